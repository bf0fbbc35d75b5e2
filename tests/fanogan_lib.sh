# fanogan_lib.sh — shared by the tests/test_fanogan_*.sh scripts: the built
# programs, a scratch folder removed on exit, and checks that fail the test
# with a message.
set -u
BIN=${1:?usage: $0 BUILD_BIN_DIR}
FANOGAN="$BIN/fanogan"
SYNTH="$BIN/make_synthetic_mvtec"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fanogan-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export NB_NUM_THREADS=${NB_NUM_THREADS:-2}

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# expect_rc CODE LOG -- command...: runs it, output to LOG, checks its exit code
expect_rc() {
  local want=$1 log=$2; shift 3
  "$@" > "$log" 2>&1
  local rc=$?
  [ "$rc" = "$want" ] || { cat "$log" >&2; fail "'$*' exited $rc, expected $want"; }
}

# json_number FILE KEY: a number of metrics.json ("null" stays "null")
json_number() { sed -n "s/^ *\"$2\": \([^,]*\),\{0,1\}$/\1/p" "$1" | head -1; }

# at_least VALUE MIN WHAT
at_least() { awk -v v="$1" -v m="$2" 'BEGIN { exit !(v != "null" && v + 0 >= m + 0) }' || fail "$3 is $1, expected at least $2"; }

# The stripes data set (examples/make_stripes.c) at SIZE x SIZE: N_TRAIN
# normal training images, N_TEST normal and N_TEST anomalous test images. Sets
# DATA to its --data spec and TEST to its test folder.
make_stripes() {
  "$BIN/make_stripes" "$WORK/stripes" "$1" "$2" "$3" 1 > /dev/null || fail "make_stripes"
  DATA="folder:$WORK/stripes/train,$WORK/stripes/test"
  TEST="$WORK/stripes/test"
}
