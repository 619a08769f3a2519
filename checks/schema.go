package checks

import "slices"

// This file is the table of resource types and their attributes: what the
// parser accepts, and what docs/checks.md and docs/checks.schema.json
// describe.

// kind is how an attribute's value is read.
type kind int

const (
	// Assertions: compared with the host's state, one finding each.
	kBool    kind = iota + 1 // true or false
	kText                    // a value or a string matcher
	kNum                     // a number or a numeric matcher
	kList                    // a list matcher (a YAML list: each entry must be in the host's)
	kLines                   // line patterns (goss's io.Reader matching): contents, stdout
	kMode                    // a file mode, "0644"
	kMinSize                 // a size the host's must be at least
	kMinFree                 // a size or a percentage the host's free space must be at least
	kMaxPct                  // a percentage the host's use must be at most
	kMaxSkew                 // a duration the host's clock may be off by
	// Settings: how the state is read, no finding of their own.
	oText     // a string
	oBool     // true or false
	oDuration // a duration, or goss's milliseconds
	oTexts    // a list of strings
	oAny      // anything (goss's meta)
)

// asserts reports whether an attribute of kind k is an assertion.
func (k kind) asserts() bool { return k < oText }

// attr is one attribute of a resource type.
type attr struct {
	name string
	kind kind
}

// resourceType is one kind of resource under a role.
type resourceType struct {
	name string
	// nameAttr overrides the key as the thing checked (goss's "defaults
	// to hash key"): name, path, exec, url...
	nameAttr string
	attrs    []attr
	// required lists the attributes goss requires; anyOf, that one of
	// them must be given.
	required []string
	anyOf    []string
	// unsupported are goss attributes this type does not support.
	unsupported []string
	// singleton types (memory, clock) take their attributes directly,
	// without a key.
	singleton bool
	// hint is the default hint of a failure.
	hint string
}

// commonAttrs are accepted on every resource: goss's skip, title and
// meta, and the hint of its failures.
var commonAttrs = []attr{{"skip", oBool}, {"title", oText}, {"meta", oAny}, {"hint", oText}}

// resourceTypes is every resource type, in the order of the reference.
func resourceTypes() []*resourceType {
	return []*resourceType{
		{name: "port", nameAttr: "port", required: []string{"listening"},
			attrs: []attr{{"listening", kBool}, {"ip", kList}},
			hint:  "start the service that listens on this port, and check its bind address"},
		{name: "service", nameAttr: "name", anyOf: []string{"enabled", "running"}, unsupported: []string{"runlevels"},
			attrs: []attr{{"enabled", kBool}, {"running", kBool}},
			hint:  "start or enable the service (systemctl start/enable NAME) and read why it stopped (journalctl -u NAME)"},
		{name: "package", nameAttr: "name", required: []string{"installed"},
			attrs: []attr{{"installed", kBool}, {"versions", kList}},
			hint:  "install or upgrade the package with the host's package manager"},
		{name: "file", nameAttr: "path", required: []string{"exists"},
			attrs: []attr{{"exists", kBool}, {"mode", kMode}, {"size", kNum}, {"owner", kText}, {"group", kText},
				{"uid", kNum}, {"gid", kNum}, {"filetype", kText}, {"contents", kLines}, {"md5", kText},
				{"sha256", kText}, {"sha512", kText}, {"linked-to", kText}},
			hint: "fix the file with your configuration management (its content, owner and mode)"},
		{name: "command", nameAttr: "exec", required: []string{"exit-status"},
			attrs: []attr{{"exit-status", kNum}, {"stdout", kLines}, {"stderr", kLines}, {"timeout", oDuration}},
			hint:  "run the command on the host by hand and compare its output with the expectation"},
		{name: "kernel-param", nameAttr: "name", required: []string{"value"},
			attrs: []attr{{"value", kText}},
			hint:  "set it with sysctl -w, and in /etc/sysctl.d/ so that it survives a reboot"},
		{name: "mount", nameAttr: "mountpoint", required: []string{"exists"},
			attrs: []attr{{"exists", kBool}, {"opts", kList}, {"vfs-opts", kList}, {"source", kText},
				{"filesystem", kText}, {"usage", kNum}, {"timeout", oDuration}},
			hint: "mount the filesystem (see /etc/fstab) with the expected source and options"},
		{name: "process", nameAttr: "comm", required: []string{"running"},
			attrs: []attr{{"running", kBool}},
			hint:  "start the program, or find why it is running when it should not be"},
		{name: "user", nameAttr: "username", required: []string{"exists"},
			attrs: []attr{{"exists", kBool}, {"uid", kNum}, {"gid", kNum}, {"groups", kList}, {"home", kText}, {"shell", kText}},
			hint:  "create or fix the account (useradd/usermod), or its directory service entry"},
		{name: "group", nameAttr: "groupname", required: []string{"exists"},
			attrs: []attr{{"exists", kBool}, {"gid", kNum}},
			hint:  "create or fix the group (groupadd/groupmod)"},
		{name: "http", nameAttr: "url", required: []string{"status"},
			attrs: []attr{{"status", kNum}, {"body", kLines}, {"headers", kLines}, {"allow-insecure", oBool},
				{"no-follow-redirects", oBool}, {"timeout", oDuration}, {"request-headers", oTexts},
				{"request-body", oText}, {"method", oText}, {"username", oText}, {"password", oText},
				{"ca-file", oText}, {"cert-file", oText}, {"key-file", oText}, {"proxy", oText}},
			hint: "request the URL from the host by hand (curl -v) and compare the answer with the expectation"},
		{name: "disk", nameAttr: "path", anyOf: []string{"min-free", "max-use"},
			attrs: []attr{{"min-free", kMinFree}, {"max-use", kMaxPct}},
			hint:  "free space on the filesystem (old logs, packages' caches), or grow it"},
		{name: "memory", singleton: true, anyOf: []string{"min-total", "min-available"},
			attrs: []attr{{"min-total", kMinSize}, {"min-available", kMinSize}},
			hint:  "add memory to the host, or find what uses it (ps aux --sort=-rss)"},
		{name: "clock", singleton: true, required: []string{"max-skew"},
			attrs: []attr{{"max-skew", kMaxSkew}},
			hint:  "synchronise the host's clock with NTP (chronyd, ntpd or systemd-timesyncd)"},
	}
}

// gossOnly are goss's resource types that calyptos does not support.
var gossOnly = []string{"addr", "dns", "interface", "matching", "gossfile"}

// typeNames returns the name of every resource type.
func typeNames(ts []*resourceType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.name
	}
	return out
}

// lookup returns the attribute called name of t, or of every resource.
func (t *resourceType) lookup(name string) (attr, bool) {
	for _, as := range [][]attr{t.attrs, commonAttrs} {
		if i := slices.IndexFunc(as, func(a attr) bool { return a.name == name }); i >= 0 {
			return as[i], true
		}
	}
	if name == t.nameAttr && name != "" {
		return attr{name, oText}, true
	}
	return attr{}, false
}

// attrNames returns the names of t's attributes, its own then the common.
func (t *resourceType) attrNames() []string {
	var out []string
	for _, a := range t.attrs {
		out = append(out, a.name)
	}
	if t.nameAttr != "" {
		out = append(out, t.nameAttr)
	}
	for _, a := range commonAttrs {
		out = append(out, a.name)
	}
	return out
}
