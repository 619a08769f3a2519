package facts

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseCPUInfo(t *testing.T) {
	ci := parseCPUInfo(sample(t, "centos7", "cpuinfo"))
	assert.Equal(t, CPUInfo{Processors: 4, Vendors: []string{"GenuineIntel"}, Models: []string{"Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz"}, Virt: "vmx"}, ci)
	assert.True(t, ci.IntelOrAMD())
	ci = parseCPUInfo(sample(t, "debian12", "cpuinfo"))
	assert.Equal(t, 2, ci.Processors)
	assert.Equal(t, "svm", ci.Virt)
	assert.True(t, ci.IntelOrAMD())

	// The original's [Intel|AMD] class matched any model name with an I, n,
	// t, e, l, |, A, M or D in it.
	arm := parseCPUInfo("processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nmodel name\t: Neoverse-N1\n")
	assert.False(t, arm.IntelOrAMD())
	via := parseCPUInfo("processor : 0\nvendor_id : CentaurHauls\nmodel name : VIA Nano processor U2250 (1.6GHz Capable)\nflags : fpu vme\n")
	assert.False(t, via.IntelOrAMD())
	assert.Empty(t, via.Virt)
	noVendor := parseCPUInfo("processor : 0\nmodel name : AMD Opteron(tm) Processor 6174\n")
	assert.True(t, noVendor.IntelOrAMD())
	assert.False(t, parseCPUInfo("").IntelOrAMD())
	// Only the first flags line counts, and only whole flags.
	assert.Empty(t, parseCPUInfo("flags : vmxnet svmx\nflags : vmx\n").Virt)
}

func FuzzParseCPUInfo(f *testing.F) {
	seed(f, "cpuinfo")
	f.Fuzz(func(t *testing.T, out string) {
		ci := parseCPUInfo(out)
		if ci.Processors < 0 || (ci.Virt != "" && ci.Virt != "vmx" && ci.Virt != "svm") {
			t.Fatalf("bad cpuinfo %+v", ci)
		}
		_ = ci.IntelOrAMD()
	})
}
