package inventory

import "regexp"

// The expressions of Ansible's parsers, compiled once. They are
// immutable (a *regexp.Regexp is safe for concurrent use), like the
// package-level expressions of packages facts and debugger.
var (
	addressRE = newAddressPatterns()
	yaml11RE  = newYAML11()

	iniSectionRE   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	iniGroupNameRE = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
	// ignoredRE is what a directory inventory leaves out: hidden files,
	// vars directories and INVENTORY_IGNORE_EXTS (.ini included).
	ignoredRE     = regexp.MustCompile(`^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$`)
	yamlKeyLineRE = regexp.MustCompile(`(?m)^[\w.-]+:(?:\s|$)`)
	// patternPartRE splits a host pattern without commas at ':'.
	patternPartRE = regexp.MustCompile(`(?:[^\s:\[\]]|\[[^\]]*\])+`)
	subscriptRE   = regexp.MustCompile(`^.+\[(?:-?[0-9]+|[0-9]+[:-][0-9]*)\]$`)
)
