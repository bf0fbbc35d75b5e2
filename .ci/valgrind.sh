#!/usr/bin/env bash
# valgrind.sh BUILD_DIR — runs each double-precision test under valgrind
# memcheck, two at a time; any memory error or definite leak fails.
# NB_VALGRIND_SKIP lists tests (space separated, without _f64) to leave out.
set -uo pipefail
dir=${1:-build}
run_one() {
  local t=$1 name
  name=$(basename "$t" _f64)
  if NB_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 valgrind -q --error-exitcode=99 --leak-check=full \
      --errors-for-leak-kinds=definite --show-leak-kinds=definite "$t" > "$dir/valgrind-$name.log" 2>&1; then
    echo "valgrind: $name clean"
  else
    echo "valgrind: $name FAILED"; tail -40 "$dir/valgrind-$name.log"; return 1
  fi
}
export -f run_one
export dir
tests=()
for t in "$dir"/bin/test_*_f64; do
  name=$(basename "$t" _f64)
  case " ${NB_VALGRIND_SKIP:-} " in *" $name "*) echo "valgrind: skip $name"; continue;; esac
  tests+=("$t")
done
if printf '%s\n' "${tests[@]}" | xargs -P 2 -I{} bash -c 'run_one "$@"' _ {}; then
  echo "valgrind: ${#tests[@]} test programs clean"
else
  echo "valgrind: some of ${#tests[@]} test programs FAILED"; exit 1
fi
