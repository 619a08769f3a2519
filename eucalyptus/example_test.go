package eucalyptus_test

import (
	"fmt"

	"github.com/org/calyptos/eucalyptus"
)

func ExampleParse_errors() {
	_, err := eucalyptus.Parse("environment.yml", []byte(`
default_attributes:
  eucalyptus:
    topology:
      clc: [192.0.2.10]
      user-facing: [192.0.2.10]
      clusters:
        one:
          cc: [192.0.2.20]
          sc: [192.0.2.20]
`))
	fmt.Println(err)
	// Output:
	// environment.yml:8:9: cluster "one" has no node controllers (nodes)
}

// A check that finds something wrong with a host points at the place in
// the file where the host is written.
func ExampleEnvironment_HostPositions() {
	rb, err := eucalyptus.Parse("environment.yml", []byte(`
default_attributes:
  eucalyptus:
    topology:
      clc: 192.0.2.10
      user-facing: 192.0.2.10
      clusters:
        one: {cc: 192.0.2.20, sc: 192.0.2.20, nodes: "192.0.2.21 192.0.2.300"}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range eucalyptus.Of(rb).HostPositions("192.0.2.300") {
		fmt.Printf("%s: 192.0.2.300 is not an IP address\n", p)
	}
	fmt.Println(eucalyptus.Of(rb).HostPositions("192.0.2.10"))
	// Output:
	// environment.yml:8:66: 192.0.2.300 is not an IP address
	// [environment.yml:5:12 environment.yml:6:20]
}

func ExampleNewRoleBuilder() {
	rb := eucalyptus.NewRoleBuilder(map[string][]string{
		eucalyptus.RoleCLC:        {"10.0.0.1"},
		eucalyptus.RoleUserFacing: {"10.0.0.1", "10.0.0.2"},
	}, eucalyptus.Cluster{Name: "zone-a", CC: []string{"10.0.0.3"}, SC: []string{"10.0.0.3"}, Nodes: []string{"10.0.0.10", "10.0.0.9"}})
	fmt.Println(rb.All())
	fmt.Println(rb.Hosts(eucalyptus.RoleNodeController))
	fmt.Println(rb.RolesOf("10.0.0.1"))
	// Output:
	// [10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.9 10.0.0.10]
	// [10.0.0.9 10.0.0.10]
	// [clc user-facing]
}
