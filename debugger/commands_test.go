package debugger

import "github.com/org/calyptos/facts"

// The commands of the facts the debuggers read, under the names the tests
// script the fake executor with.
const (
	listenersCommand        = facts.ListenersCommand
	memCommand              = facts.MeminfoCommand
	osCommand               = facts.OSReleaseCommand
	archCommand             = facts.ArchCommand
	cpuinfoCommand          = facts.CPUInfoCommand
	clockCommand            = facts.ClockCommand
	timeSyncCommand         = facts.TimeSyncCommand
	nicCommand              = facts.NICsCommand
	describeServicesCommand = facts.DescribeServicesCommand
	absentMarker            = "calyptos: directory absent"
)

func serviceScript(names ...string) string { return facts.Services(names...).Command }

func diskCommand(dir string) string { return facts.DirFilesystem(dir).Command }

func statCommand(paths []string) string { return facts.FileOwners(paths...).Command }

func timePackageScript() string { return timePackages().Command }
