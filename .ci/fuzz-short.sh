#!/usr/bin/env bash
# fuzz-short.sh [SECONDS] [TARGET...] — builds the libFuzzer targets with clang
# (NB_FUZZ=ON, in build-fuzz/) and runs each for SECONDS (default 20), one after
# the other. The committed seeds in tests/fuzz/corpus/<target>/ are copied into
# build-fuzz/corpus-<target>/, which collects what the run finds. Any crash,
# leak, timeout or sanitizer report fails; logs are build-fuzz/fuzz-<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(png npz idx)
command -v clang > /dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-dev)" >&2; exit 1; }
CC=clang cmake -S . -B build-fuzz -DNB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build-fuzz -j "${JOBS:-2}" --target "${targets[@]/#/fuzz_}" > /dev/null
fail=0
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus-$t
  mkdir -p "$corpus" build-fuzz/artifacts-$t
  cp -n tests/fuzz/corpus/$t/* "$corpus"/
  if NB_NUM_THREADS=1 ./build-fuzz/bin/fuzz_$t "$corpus" -max_total_time="$secs" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/artifacts-$t/ > build-fuzz/fuzz-$t.log 2>&1 &&
      ! grep -q 'runtime error:' build-fuzz/fuzz-$t.log; then
    stats=$(grep -E '^stat::number_of_executed_units' build-fuzz/fuzz-$t.log | awk '{print $2}')
    cov=$(grep -E '^#[0-9]+.*DONE' build-fuzz/fuzz-$t.log | grep -o 'cov: [0-9]*' | tail -1)
    echo "fuzz $t: ok, ${stats:-?} executions, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files"
  else
    echo "fuzz $t: FAILED"; tail -40 build-fuzz/fuzz-$t.log; fail=1
  fi
done
exit $fail
