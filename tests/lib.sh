# tests/lib.sh - helpers for the bash tests (tests/<lib>/test_*.sh source this).
#   expect_exit CODE CMD...    run CMD, fail unless it exits CODE
#   expect_grep PATTERN FILE   fail unless FILE has a line matching PATTERN
#   need_shared / need_models  exit 77 (skipped) with a message when the data is absent
#   finish                     print "N passed, M failed" and exit accordingly
set -u
T_PASS=0 T_FAIL=0
TMP=${AIMP_TMP:-$(mktemp -d)}
mkdir -p "$TMP"
ok()   { T_PASS=$((T_PASS + 1)); }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL: $*" >&2; }
expect_exit() {
  local want=$1; shift
  "$@" >"$TMP/out" 2>"$TMP/err"; local got=$?
  if [ "$got" = "$want" ]; then ok; else fail "'$*' exited $got, want $want"; cat "$TMP/err" >&2; fi
}
expect_grep() { if grep -qE -- "$1" "$2"; then ok; else fail "no line matching '$1' in $2"; fi; }
need_shared() { [ -d "${AIMP_SHARED_DIR:-}" ] || { echo "SKIP: ../shared is absent"; exit 77; }; }
need_models() { [ -d "${AIMP_MODELS_DIR:-}" ] || { echo "SKIP: models/ is absent: run scripts/setup"; exit 77; }; }
finish() { echo "$T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" = 0 ]; }
