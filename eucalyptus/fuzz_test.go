package eucalyptus_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/org/calyptos"
	"github.com/org/calyptos/eucalyptus"
	"github.com/org/calyptos/hostname"
)

// FuzzParse checks that no input makes the parser panic, and
// that every rejection is a positioned EnvError. It is seeded with the
// bundled environment files.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/*.yml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("default_attributes: {eucalyptus: {topology: {clc: a, clusters: {x: 1}}}}"))
	f.Add([]byte("a: &x [*x]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rb, err := eucalyptus.Parse("fuzz.yml", data)
		if err != nil {
			var envErr *eucalyptus.EnvError
			if !errors.As(err, &envErr) || !errors.Is(err, eucalyptus.ErrInvalidEnvironment) {
				t.Fatalf("error is not an EnvError: %v", err)
			}
			return
		}
		for _, role := range rb.RoleNames() {
			for _, h := range rb.Hosts(role) {
				if h == "" {
					t.Fatalf("empty host in role %s", role)
				}
				if !rb.Has(calyptos.RoleAll, h) {
					t.Fatalf("host %q of role %s is not in all", h, role)
				}
				if ps := eucalyptus.Of(rb).HostPositions(h); len(ps) == 0 || ps[0].Line < 1 || ps[0].Column < 1 {
					t.Fatalf("host %q of role %s has no position in the file: %v", h, role, ps)
				}
			}
		}
		for _, role := range rb.RoleNames() {
			hs := rb.Hosts(role)
			for i := 1; i < len(hs); i++ {
				if hostname.Compare(hs[i-1], hs[i]) >= 0 {
					t.Fatalf("role %s is not sorted without duplicates: %q", role, hs)
				}
			}
		}
		for _, c := range eucalyptus.Clusters(rb) {
			for role, hs := range map[string][]string{eucalyptus.RoleClusterController: c.CC, eucalyptus.RoleStorageController: c.SC, eucalyptus.RoleNodeController: c.Nodes} {
				for _, h := range hs {
					if h == "" || !rb.Has(role, h) {
						t.Fatalf("host %q of cluster %s is not in role %s", h, c.Name, role)
					}
				}
			}
		}
		_ = eucalyptus.Of(rb).Secrets()
	})
}
