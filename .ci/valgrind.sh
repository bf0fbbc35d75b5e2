#!/usr/bin/env bash
# valgrind.sh BUILD_DIR — runs each double-precision test under valgrind
# memcheck; any memory error or definite leak fails. NB_VALGRIND_SKIP lists
# tests (space separated, without _f64) too slow to run under valgrind.
set -uo pipefail
dir=${1:-build}
fail=0; n=0
for t in "$dir"/bin/test_*_f64; do
  name=$(basename "$t" _f64)
  case " ${NB_VALGRIND_SKIP:-} " in *" $name "*) echo "valgrind: skip $name"; continue;; esac
  n=$((n+1))
  if NB_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 valgrind -q --error-exitcode=99 --leak-check=full \
      --errors-for-leak-kinds=definite --show-leak-kinds=definite "$t" > "$dir/valgrind-$name.log" 2>&1; then
    echo "valgrind: $name clean"
  else
    echo "valgrind: $name FAILED"; tail -40 "$dir/valgrind-$name.log"; fail=1
  fi
done
echo "valgrind: $n test programs, $([ $fail = 0 ] && echo 0 || echo some) failed"
exit $fail
