#!/usr/bin/env bash
# n-independent.sh SWSEARCH INDEX QUERYFILE... — for every query (the last
# tab-separated field of each non-comment line), the first 10 hits and the
# total of `-n 10` must equal those of `-n 1000`, and every answer's hits
# must come out in the order of their scores. Prints the count checked and
# each query that breaks it; exits 1 if any does.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 SWSEARCH INDEX QUERYFILE..." >&2; exit 2; }
sw=$1 ix=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 bad=0
while IFS= read -r q; do
  [ -n "$q" ] || continue
  "$sw" --index "$ix" --json --no-snippets -n 10 -- "$q" >"$tmp/a" 2>/dev/null || true
  "$sw" --index "$ix" --json --no-snippets -n 1000 -- "$q" >"$tmp/b" 2>/dev/null || true
  n=$((n + 1))
  if ! python3 - "$tmp/a" "$tmp/b" <<'PY'
import json, sys
try:
    a, b = (json.load(open(p)) for p in sys.argv[1:3])
except ValueError:
    sys.exit(0)  # a refused query: nothing to compare
ok = a["total_hits"] == b["total_hits"]
ok = ok and [h["id"] for h in a["hits"]] == [h["id"] for h in b["hits"]][:10]
for r in (a, b):
    s = [h["score"] for h in r["hits"]]
    ok = ok and s == sorted(s, reverse=True)
sys.exit(0 if ok else 1)
PY
  then
    echo "differs: $q"
    bad=$((bad + 1))
  fi
done < <(cat "$@" | grep -v '^#' | awk -F'\t' 'NF {print $NF}')
echo "n-independent: $n queries checked, $bad differ"
[ "$bad" -eq 0 ]
