package debugger_test

import (
	"context"
	"fmt"

	"github.com/org/calyptos"
	"github.com/org/calyptos/calyptostest"
	"github.com/org/calyptos/debugger"
	"github.com/org/calyptos/eucalyptus"
)

// A debugger runs over any calyptos.Executor; here calyptostest's fake
// answers `ss` the way an EL7 node controller would, listening on the NC
// port over IPv6 only, and on a port that merely contains 8775.
func ExampleCheckPorts() {
	rb := calyptos.NewRoleBuilder(map[string][]string{
		eucalyptus.RoleNodeController: {"192.0.2.21", "192.0.2.22"},
	})
	fake := calyptostest.NewExecutor(nil)
	fake.OnMatch("192.0.2.21", "^ss ").Stdout("tcp LISTEN 0 128 [::]:8775 [::]:*\n")
	fake.OnMatch("192.0.2.22", "^ss ").Stdout("tcp LISTEN 0 128 0.0.0.0:18775 0.0.0.0:*\n")

	rep, err := calyptos.RunDebuggers(context.Background(), rb, fake,
		[]calyptos.Debugger{&debugger.CheckPorts{}}, calyptos.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings() {
		fmt.Println(f.Status, f.Host, f.Message)
	}
	// Output:
	// pass 192.0.2.21 all 1 required ports open: tcp/8775
	// fail 192.0.2.22 Closed tcp/8775 (needed by node-controller)
	// warn 192.0.2.22 Required ports not open: tcp/8775
}

// Thresholds are option fields whose zero value is the original's default.
func ExampleComponentStorageCheck() {
	rb := calyptos.NewRoleBuilder(map[string][]string{eucalyptus.RoleCLC: {"192.0.2.10"}})
	fake := calyptostest.NewExecutor(nil)
	fake.OnMatch("", "df -P -k").Stdout("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda1 52403200 9443468 42959732 19% /\n")
	fake.OnMatch("", "/proc/meminfo").Stdout("MemTotal: 8010180 kB\nMemAvailable: 3402760 kB\n")

	check := &debugger.ComponentStorageCheck{MinMemory: 16 << 30}
	rep, _ := calyptos.RunDebuggers(context.Background(), rb, fake, []calyptos.Debugger{check}, calyptos.RunOptions{})
	for _, f := range rep.Findings() {
		fmt.Println(f.Status, f.Message)
	}
	// Output:
	// pass 30.0 GiB minimum disk requirement met: /var/lib/eucalyptus is 50.0 GiB
	// fail 16.0 GiB minimum memory requirement has not been met: 7.6 GiB total
}

func ExampleDefault() {
	for _, d := range debugger.Default() {
		fmt.Println(d.Name())
	}
	// Output:
	// check_ports
	// component_storage_check
	// debug_cloud_controller
	// debug_cluster_controller
	// debug_compute_req
	// debug_node_controller
	// eucalyptus_sosreports
	// file_permissions
	// verify_component_networking
	// verify_networking
}
