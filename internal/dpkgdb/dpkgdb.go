// Package dpkgdb is the shell function the package facts ask dpkg's
// database with: dpkg_list, which reads it with awk where dpkg-query would
// cost the host five times the CPU (see dpkg.sh).
package dpkgdb

import (
	_ "embed"
	"sync"

	"github.com/org/calyptos/internal/shellfile"
)

// Source is dpkg.sh as it is in this package.
//
//go:embed dpkg.sh
var Source string

// Code is dpkg.sh as hosts get it (see shellfile.Code), stripped once: it
// defines dpkg_list and dpkg_awk. A script that includes it ends with
// Unset, so as not to leave them in the gathering worker's shell.
var Code = sync.OnceValue(func() string { return shellfile.Code(Source) })

// Unset is the line that removes what Code defines and the variables
// dpkg_list sets (it may run in the worker's shell itself).
const Unset = "unset -f dpkg_list; unset dpkg_awk dpkg_prefix dpkg_dir dpkg_names dpkg_name dpkg_update dpkg_line\n"
