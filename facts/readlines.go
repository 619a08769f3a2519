package facts

// readLines is a shell loop that copies its standard input to its output
// line by line (a last line without a newline gains one) with the shell's
// own read and printf: a small file costs no process, where cat costs one
// (a fork and an exec, some milliseconds of a host's CPU). Kernel files
// (/proc, /sys) are read with cat instead: among other facts, the gathering
// script serves cat of one such file without a process.
const readLines = `while IFS= read -r line || [ -n "$line" ]; do printf '%s\n' "$line"; done`
