package checks

import (
	"fmt"
	"strings"
)

// fileTypes are goss's names of stat's %F.
var fileTypes = map[string]string{
	"regular file": "file", "regular empty file": "file", "directory": "directory", "symbolic link": "symlink",
	"socket": "socket", "fifo": "pipe", "character special file": "character-device", "block special file": "block-device",
}

// observeFile reads a file's stat record, checksums and contents.
func (g *gathered) observeFile(i int, r *resource) *observed {
	path := r.target
	kr, err := records(g.files, i, "stat "+path)
	if err != nil {
		return &observed{err: err}
	}
	st, ok := kr.recs["stat"]
	if !ok {
		e := kr.recs["error"]
		if strings.Contains(e, "No such file") || strings.Contains(e, "Not a directory") {
			return &observed{vals: values{{"exists", false}}, missing: "does not exist", evidence: e}
		}
		return &observed{err: fmt.Errorf("cannot stat %s: %s", path, cmpOr(e, "no answer")), evidence: e}
	}
	f := strings.Split(st, "|")
	if len(f) != 7 {
		return &observed{err: fmt.Errorf("cannot read stat's answer %q", st)}
	}
	vals := values{{"exists", true}, {"filetype", cmpOr(fileTypes[f[0]], f[0])}, {"mode", normMode(f[1])}, {"owner", f[2]}, {"group", f[3]}}
	setNum(&vals, "uid", f[4])
	setNum(&vals, "gid", f[5])
	setNum(&vals, "size", f[6])
	if l, ok := kr.recs["link"]; ok {
		vals.set("linked-to", l)
	}
	ob := &observed{vals: vals, missing: "not a symbolic link",
		lazy: func() string { return fmt.Sprintf("%s %s %s:%s, %s bytes", f[0], normMode(f[1]), f[2], f[3], f[6]) }}
	for _, a := range r.asserts {
		switch a.attr {
		case "md5", "sha256", "sha512":
			g.fileSum(i, a.attr, path, ob)
		case "contents":
			g.fileContents(i, path, ob)
		}
	}
	return ob
}

// fileSum sets a checksum of path, or why there is none.
func (g *gathered) fileSum(i int, op, path string, ob *observed) {
	kr, err := records(g.files, i, op+" "+path)
	switch {
	case err != nil:
		ob.reasons.set(op, err.Error())
	case kr.recs["sum"] != "":
		ob.vals.set(op, kr.recs["sum"])
	default:
		ob.reasons.set(op, "cannot compute it: "+kr.recs["error"])
	}
}

// fileContents sets the contents of path (its first contentCap bytes),
// or why there are none.
func (g *gathered) fileContents(i int, path string, ob *observed) {
	kr, err := records(g.contents, i, path)
	switch {
	case err != nil:
		ob.reasons.set("contents", err.Error())
	case kr.recs["read"] == "ok":
		s := strings.Join(kr.content, "\n")
		t := text{s: s, truncated: len(s) > contentCap}
		if t.truncated {
			t.s = s[:contentCap]
		}
		ob.vals.set("contents", t)
	default:
		ob.reasons.set("contents", "cannot read it: "+cmpOr(kr.recs["error"], "no answer"))
	}
}
