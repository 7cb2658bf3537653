# tests/e2e/lib.sh — what the end-to-end scripts of the command line share;
# sourced, not a test (ctest runs test_*.sh). After `. lib.sh NAME`:
#   fail MSG       the test fails with MSG
#   $tmp, $ix      a fresh scratch folder $SW_TMP/NAME and an index path in it
#   run CMD...     run it: stdout/stderr in $tmp/out, $tmp/err, exit in $rc;
#                  a signal death (exit >= 128) fails the test at once
#   expect_rc N WHAT
# and the user's default index is never read or written (SWSEARCH_INDEX
# points into $tmp). ctest sets SWSEARCH (the binary), SW_SOURCE_DIR (repo
# root), SW_TMP (scratch). python3 is required (the tests parse --json):
# without it the test is skipped (exit 77).
: "${SWSEARCH:?set by ctest}" "${SW_SOURCE_DIR:?set by ctest}" "${SW_TMP:?set by ctest}"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to parse --json"; exit 77; }

fail() { echo "FAIL: $*" >&2; exit 1; }
tmp="$SW_TMP/${1:?lib.sh: name the test}"
rm -rf "$tmp"
mkdir -p "$tmp"
ix="$tmp/index"
export SWSEARCH_INDEX="$tmp/no-default-index"
unset XDG_DATA_HOME

run() {
  rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -lt 128 ] || fail "crashed with exit $rc: $* :: $(head -c 500 "$tmp/err")"
}
expect_rc() { # WANT WHAT
  [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1 :: $(head -c 500 "$tmp/err")"
}
