// Package facts holds the host facts the built-in debuggers read, for any
// debugger to reuse: each is a *calyptos.Fact, read with calyptos.Gather,
// and a run gathers each fact once per host however many debuggers read
// it (see calyptos.Fact and calyptos.FactNeeder).
//
// One file per fact: the command (with its fallbacks for EL6, EL7 and
// current distributions), the parser, and beside them a table test over
// outputs recorded on CentOS 6, CentOS 7, Debian 12 and Rocky 9
// (testdata/<distro>/<fact>.txt) and a fuzz target. Parsers are plain
// functions of the text a command printed, tolerant of any input, and none
// of them greps: they split lines into fields and read the field that
// carries the fact.
//
// Facts are returned by functions, not held in variables, so that no
// caller can change another's: Listeners() called twice gives two equal
// facts, which a run gathers once. Parameterised facts (Services,
// Packages, DirFilesystem, ...) name their parameters in the fact's name.
//
// Services, Packages and FileOwners are fact families (calyptos.Family):
// every one of them asked on a host in a run, by any debugger and with any
// names, is gathered with one command for the union of the names (one
// systemctl round, one rpm and one read of dpkg's database, one stat),
// and each asker still gets its own value for its own names (see
// Example_family). A family of your own is a calyptos.Family and facts
// that name it.
//
//	Listeners       listening TCP/UDP sockets (ss, netstat)
//	Services        state of named services (systemd, SysV init)
//	Packages        named packages installed (rpm, dpkg)
//	Memory          total and available memory (/proc/meminfo)
//	DirFilesystem   size and use of a directory's filesystem (df -P)
//	DirSize         disk use of a directory (du -sk)
//	CPU             processors, vendor, model, virtualization (/proc/cpuinfo)
//	OSRelease       operating system (/etc/os-release, /etc/system-release)
//	Arch            machine architecture (uname -m)
//	Clock           the host's clock (date)
//	NTPSync         the NTP daemon's view of the clock (chronyc, ntpq)
//	EucaServices    Eucalyptus service states (euca-describe-services)
//	EucalyptusDB    the CLC database answering (psql)
//	FileOwners      owner, group and mode of paths (stat)
//	NICs            network interfaces (/sys/class/net, lspci)
package facts
