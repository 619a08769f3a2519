package inventory

// Bounds on what an inventory may cost, in the spirit of the environment
// file's (limits.go in package calyptos). Every one is checked before the
// work it bounds is done, so that any input costs bounded time and memory:
// a file past a bound is refused with an error at the place it was passed.
// A 10,000-host inventory written with ranges is far below all of them.
const (
	maxFileSize  = 16 << 20  // bytes of one file (inventory or vars file)
	maxTotalSize = 64 << 20  // bytes of every file one Load reads
	maxFiles     = 100_000   // files one Load reads (a directory inventory, vars files)
	maxYAMLNodes = 300_000   // YAML nodes in one file, an upper bound counted from its text
	maxINILines  = 500_000   // lines of one INI file
	maxLineLen   = 64 << 10  // bytes of one INI line
	maxJSONItems = 1_000_000 // values of one ansible-inventory --list JSON file
	maxValues    = 2_000_000 // variable values built (aliases counted each time they are used)
	maxHosts     = 100_000   // hosts, ranges counted before they are expanded
	maxGroups    = 100_000
	maxMembers   = 4_000_000 // (host, group) pairs, ancestors included
	maxVarCells  = 4_000_000 // entries of the merged variable maps of every host
	maxDepth     = 200       // nesting of values, and of groups in a YAML inventory
	maxPyDigits  = 4300      // Python's limit on the digits of an int read from text
)

// budget counts what one Load has spent against the bounds.
type budget struct {
	files, bytes int
	values       int
	members      int
	cells        int
}
