package factbatch

import (
	"encoding/json"
	"os"
	"testing"
)

// TestReviewDump writes Script for the commands in $REVIEW_CMDS (JSON) to
// $REVIEW_OUT; a tool for the review, skipped otherwise.
func TestReviewDump(t *testing.T) {
	in, out := os.Getenv("REVIEW_CMDS"), os.Getenv("REVIEW_OUT")
	if in == "" || out == "" {
		t.Skip("review tool")
	}
	var cmds []Cmd
	if err := json.Unmarshal([]byte(in), &cmds); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, []byte(Script("BOUNDxyz", cmds)), 0o600); err != nil {
		t.Fatal(err)
	}
}
