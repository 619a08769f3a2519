#!/usr/bin/env bash
# Runs every fuzz target in the given packages (default: the whole module)
# for FUZZTIME each (default 60s), then lists the targets that failed. A
# failing input is left under the package's testdata/fuzz/<Target>/: commit
# it with the fix, and plain `go test` replays it from then on.
#
# CI does not run this: a fuzzer is a search, and a gate that fails when a
# search happens to get lucky blocks unrelated changes. Run it before a
# release or after touching a parser:
#
#   scripts/fuzz.sh                          # every target, 60s each
#   FUZZTIME=5m scripts/fuzz.sh ./debugger   # one package, longer
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-60s}
failed=()
for pkg in $(go list "${@:-./...}"); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "== $pkg $target ($fuzztime)"
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
      failed+=("$pkg $target")
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "== failed:"; printf '  %s\n' "${failed[@]}"
  exit 1
fi
echo "== every target passed"
