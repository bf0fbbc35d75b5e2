#!/usr/bin/env bash
# compare_steps.sh — f-AnoGAN's training steps on nabla and on PyTorch's CPU
# build, side by side. On a shared machine the load drifts within minutes, so
# the two are run alternately, ROUNDS times each (each run: the median of RUNS
# steps after WARMUP), and the table gives per step the median over the rounds
# of each time and of the per-round ratio nabla / PyTorch.
#
#   examples/compare/compare_steps.sh [--img 64 --channels 3 --batch 32]
#
# Environment: ROUNDS (3), RUNS (5), WARMUP (2), THREADS (2), BENCH
# (build/bin/bench_fanogan), PYTHON (/usr/bin/python3, with Debian's
# python3-torch). Optional: nothing in the build or the tests runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3} RUNS=${RUNS:-5} WARMUP=${WARMUP:-2} THREADS=${THREADS:-2}
BENCH=${BENCH:-build/bin/bench_fanogan} PYTHON=${PYTHON:-/usr/bin/python3}
cfg=("$@")
[ ${#cfg[@]} -gt 0 ] || cfg=(--img 64 --channels 3 --batch 32)
common=("${cfg[@]}" --threads "$THREADS" --runs "$RUNS" --warmup "$WARMUP")
"$PYTHON" -c 'import torch' 2> /dev/null || { echo "compare_steps: $PYTHON cannot import torch (apt-get install python3-torch)" >&2; exit 1; }
[ -x "$BENCH" ] || { echo "compare_steps: $BENCH not built (cmake --build build)" >&2; exit 1; }

# lines "round tool step ms"
samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
load0=$(cut -d' ' -f1 /proc/loadavg)
for r in $(seq "$ROUNDS"); do
  "$PYTHON" examples/compare/torch_fanogan_step.py "${common[@]}" |
    awk -v r="$r" '$2 == "median" { print r, "torch", $1, $3 }' >> "$samples"
  "$BENCH" "${common[@]}" | awk -v r="$r" '$2 == "median" { print r, "nabla", $1, $3 }' >> "$samples"
done
load1=$(cut -d' ' -f1 /proc/loadavg)

echo "f-AnoGAN steps, ${cfg[*]}, $THREADS threads; $ROUNDS alternating rounds, each the median of $RUNS after $WARMUP"
echo "load average (1 min) $load0 at the start, $load1 at the end, on $(nproc) cores"
echo
echo "| step | PyTorch ms | nabla ms | nabla / PyTorch |"
echo "| --- | ---: | ---: | ---: |"
awk '
  function median(list,   v, n, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  { ms[$2, $3] = ms[$2, $3] " " $4; t[$1, $2, $3] = $4; if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 }; rounds[$1] = 1 }
  END {
    for (k = 1; k <= n; k++) {
      s = order[k]; ratios = ""
      for (r in rounds) if (t[r, "torch", s] > 0) ratios = ratios " " t[r, "nabla", s] / t[r, "torch", s]
      printf "| %s | %.0f | %.0f | %.2f |\n", s, median(ms["torch", s]), median(ms["nabla", s]), median(ratios)
    }
  }' "$samples"
