#!/usr/bin/env bash
# test_fanogan_cli.sh BIN — the fanogan command line on a tiny data set (32x32
# stripes of examples/make_stripes.c): bad flags give the usage and exit 2,
# errors exit 1 with "fanogan: <message>"; resuming continues the step counter
# and makes the same numbers as a run that never stopped; Ctrl-C saves a
# checkpoint and exits 130; a corrupt checkpoint or image is reported with its
# path; the thread count does not change a number; a diverging run stops and
# keeps its last good checkpoint; predict gives exactly the numbers of score;
# the numbers people read are short; CSV paths holding a comma are quoted;
# compare names a score.csv row that is not in the test set.
source "$(dirname "$0")/fanogan_lib.sh"
log=$WORK/log

# ---- bad command lines: usage on stderr, exit 2 -----------------------------------
expect_rc 2 "$log" -- "$FANOGAN"
grep -q "usage: fanogan COMMAND" "$log" || fail "no usage without a command"
expect_rc 2 "$log" -- "$FANOGAN" frobnicate
grep -q "unknown command 'frobnicate'" "$log" || fail "unknown command not named"
expect_rc 2 "$log" -- "$FANOGAN" train-gan --data fashion-mnist:0 --bogus
grep -q "unknown option '--bogus'" "$log" && grep -q "usage: fanogan train-gan" "$log" || fail "bad flag message"
expect_rc 2 "$log" -- "$FANOGAN" train-gan --data fashion-mnist:0 --gan-epochs zero
grep -q -- "--gan-epochs needs an integer" "$log" || fail "bad integer message"
expect_rc 2 "$log" -- "$FANOGAN" train-gan --data fashion-mnist:0 --arch nope
expect_rc 2 "$log" -- "$FANOGAN" train-gan --data fashion-mnist:0 --lr
grep -q -- "--lr needs a value" "$log" || fail "missing value message"
expect_rc 2 "$log" -- "$FANOGAN" score --gan-epochs 3
grep -q "this command takes no option '--gan-epochs'" "$log" || fail "option of another command accepted"
expect_rc 2 "$log" -- "$FANOGAN" predict --out "$WORK/none"
grep -q "predict needs at least one image or folder" "$log" || fail "predict without images"
expect_rc 2 "$log" -- "$FANOGAN" train-gan
grep -q -- "--data is required" "$log" || fail "missing --data not reported"
# out of range, malformed, empty, a value for a flag: named, with the usage
bad() { # bad MESSAGE ARGS...: exit 2, the message and the usage
  local want=$1; shift
  expect_rc 2 "$log" -- "$FANOGAN" "$@"
  [ "$(grep -c '^fanogan: ' "$log")" = 1 ] && grep -q -- "$want" "$log" && grep -q "^usage: fanogan $1" "$log" ||
    { cat "$log"; fail "'$*': not one line naming $want, with the usage"; }
}
bad "--lr needs a number in \[1e-12, 1e+10\], got '1e20'" train-gan --data fashion-mnist:0 --lr 1e20
bad "--lr needs a number" train-gan --data fashion-mnist:0 --lr nan
bad "--kappa needs a number in \[0, " score --kappa -1
bad "--batch needs an integer in 1..65536, got '99999999999999999999'" run --data x --batch 99999999999999999999
bad "--img-size needs an integer" train-gan --data x --img-size 4.5
bad "--channels needs 1 (gray) or 3 (RGB), got '2'" train-gan --data x --channels 2
bad "--seed needs an integer" train-gan --data x --seed -1
bad "--threads needs an integer" report --threads 0
bad "--resume=yes takes no value" train-gan --data x --resume=yes
bad "--data: bad value ''" train-gan --data=
bad "--distance: bad value 'l1'" run --data x --distance l1
bad "^fanogan: --encoder-mode: unknown encoder mode 'nope'" train-encoder --encoder-mode nope
bad "^fanogan: --arch: unknown architecture 'vgg'" run --data x --arch vgg
bad "--threshold needs a number" predict --threshold abc x.png
bad "unexpected argument '-v'" compare -v
bad "--out needs a value" report --out
for cmd in train-gan train-encoder score compare report predict run; do
  expect_rc 0 "$log" -- "$FANOGAN" $cmd --help
  grep -q "usage: fanogan $cmd" "$log" || fail "$cmd --help"
done
pass "bad flags: usage and exit 2; --help on every subcommand"

# ---- errors: exit 1 and one clear line ----------------------------------------------
expect_rc 1 "$log" -- "$FANOGAN" score --out "$WORK/none"
grep -q "^fanogan: .*holds no run" "$log" || fail "missing run not explained"
expect_rc 1 "$log" -- "$FANOGAN" train-gan --data fashion-mnist:socks --out "$WORK/x"
grep -q "^fanogan: --data fashion-mnist:socks: the class is 0-9 or one of" "$log" || fail "bad class message"
expect_rc 1 "$log" -- "$FANOGAN" train-gan --data "folder:$WORK/no/such/dir" --out "$WORK/x"
grep -q "^fanogan: .*no/such/dir" "$log" || fail "missing folder not named"
pass "errors exit 1 with a message"

# ---- a small run, resumed, and the same run straight ----------------------------------
make_stripes 32 64 12
# sizes the networks cannot take are bad flags too, found before any training
bad "--img-size 40 --arch dcgan: image size 40: the dcgan networks need a multiple of 16" \
  train-gan --data "$DATA" --out "$WORK/x" --img-size 40
[ -e "$WORK/x/options.txt" ] && fail "options.txt written for a bad --img-size"
common=(--data "$DATA" --img-size 32 --batch 16 --seed 3)
expect_rc 0 "$log" -- "$FANOGAN" train-gan --out "$WORK/a" --gan-epochs 1 --lr 2e-4 "${common[@]}"
# numbers people read are short: 2e-4 is 0.0002, not 0.00020000000000000001
grep -qx "lr 0.0002" "$WORK/a/options.txt" && grep -qx "kappa 1" "$WORK/a/options.txt" ||
  { cat "$WORK/a/options.txt"; fail "options.txt numbers"; }
expect_rc 1 "$log" -- "$FANOGAN" report --out "$WORK/a"
grep -q "^fanogan: $WORK/a has no score.csv: run fanogan score --out $WORK/a first" "$log" || fail "no score.csv"
expect_rc 0 "$log" -- "$FANOGAN" train-gan --out "$WORK/a" --gan-epochs 2 --resume
grep -q "resuming the GAN from $WORK/a/gan.npz at epoch 2, step 4" "$log" || { cat "$log"; fail "resume message"; }
grep -q "8 steps" "$log" || fail "the step counter did not continue to 8"
[ -f "$WORK/a/samples/gan_epoch_001.png" ] && [ -f "$WORK/a/samples/gan_epoch_002.png" ] || fail "sample grids"
# b, the same run straight through, on one thread instead of two: results do
# not depend on the thread count (core/parallel.c)
expect_rc 0 "$log" -- "$FANOGAN" train-gan --out "$WORK/b" --gan-epochs 2 "${common[@]}" --threads 1
# the resumed run made the same steps: same losses (all but the time column)
cut -d, -f1-3,5- "$WORK/a/losses.csv" > "$WORK/a.losses"
cut -d, -f1-3,5- "$WORK/b/losses.csv" > "$WORK/b.losses"
cmp -s "$WORK/a.losses" "$WORK/b.losses" || { diff "$WORK/a.losses" "$WORK/b.losses"; fail "resumed losses differ"; }
for r in a b; do
  threads=$([ $r = b ] && echo 1 || echo 2)
  expect_rc 0 "$log" -- "$FANOGAN" train-encoder --out "$WORK/$r" --encoder-epochs 1 --threads $threads
  if [ $r = a ]; then # not scored yet: no threshold to decide with
    expect_rc 1 "$log" -- "$FANOGAN" predict --out "$WORK/a" "$TEST/good/000.png"
    grep -q "^fanogan: no threshold: $WORK/a has no metrics.json" "$log" || { cat "$log"; fail "predict before score"; }
  fi
  expect_rc 0 "$log" -- "$FANOGAN" score --out "$WORK/$r" --threads $threads
done
cmp -s "$WORK/a/score.csv" "$WORK/b/score.csv" ||
  fail "the resumed run on 2 threads scores differently from the straight one on 1 thread"
head -1 "$WORK/a/score.csv" | grep -q "^path,label,img_distance,anomaly_score,z_distance" || fail "score.csv header"
grep -q '^  "kappa": 1,$' "$WORK/a/metrics.json" || fail "metrics.json: kappa not written as 1"
grep -Eqi ': -?(nan|inf)' "$WORK/a/metrics.json" && fail "metrics.json holds a NaN or infinity"
if command -v python3 > /dev/null; then
  python3 -c 'import json, sys
def bad(x): raise ValueError("not JSON: " + x)
json.load(open(sys.argv[1]), parse_constant=bad)' "$WORK/a/metrics.json" || fail "metrics.json is not JSON"
fi
# resuming a finished phase changes nothing: the encoder and its losses stay
expect_rc 0 "$log" -- "$FANOGAN" train-gan --out "$WORK/a" --resume
grep -q "gan.npz: training already done (2 of 2 epochs)" "$log" || { cat "$log"; fail "finished GAN resumed"; }
[ -f "$WORK/a/encoder.npz" ] && grep -q "^encoder," "$WORK/a/losses.csv" || fail "a finished GAN resumed dropped the encoder"
pass "resume continues the step counter; resumed on 2 threads and straight on 1, the same scores"

# ---- predict == score ----------------------------------------------------------------------
# (a different grouping of the images than score's)
expect_rc 0 "$log" -- "$FANOGAN" predict --out "$WORK/a" "$TEST/vertical" "$TEST/good/003.png"
[ "$(grep -c png "$WORK/a/predict/predictions.csv")" = 13 ] || fail "predict rows"
threshold=$(json_number "$WORK/a/metrics.json" threshold)
awk -F, -v t="$threshold" '
  NR == FNR { if (FNR > 1) s[$1] = $3 "," $4 "," $5; next }
  FNR > 1 { n++
            if (!($1 in s)) { print "not scored: " $1; bad = 1; next }
            if (s[$1] != $2 "," $3 "," $4) { print $1 ": predict " $2 "," $3 "," $4 " score " s[$1]; bad = 1 }
            # (9 digits of a score equal to the threshold may fall on either side of it)
            if ((($3 > t * (1 + 1e-7)) && $5 != 1) || (($3 < t * (1 - 1e-7)) && $5 != 0)) {
              print $1 ": decision " $5 " against threshold " t; bad = 1 }
            if (system("test -s " $7)) { print "no heatmap " $7; bad = 1 } }
  END { exit bad || n != 13 }' "$WORK/a/score.csv" "$WORK/a/predict/predictions.csv" || fail "predict differs from score"
expect_rc 0 "$log" -- "$FANOGAN" predict --out "$WORK/a" --threshold 1e9 --predict-dir "$WORK/p2" "$TEST/vertical"
awk -F, 'FNR > 1 && $5 != 0 { exit 1 }' "$WORK/p2/predictions.csv" || fail "--threshold not used"
grep -q ",0,1e+09,$WORK/p2/heatmaps/" "$WORK/p2/predictions.csv" || fail "threshold column"
# a run folder whose name holds a comma: the lists quote their paths, and the
# report still finds every example picture
cp -r "$WORK/a" "$WORK/a,c"
for r in a a,c; do
  expect_rc 0 "$log" -- "$FANOGAN" compare --out "$WORK/$r"
  expect_rc 0 "$log" -- "$FANOGAN" report --out "$WORK/$r"
done
grep -q "^worst,1,[0-9]*,[01],[^,]*,\"$WORK/a,c/compare/worst_01.png\",\"$WORK/a,c/compare/worst_01_heatmap.png\"$" \
  "$WORK/a,c/compare/examples.csv" || { cat "$WORK/a,c/compare/examples.csv"; fail "examples.csv paths not quoted"; }
pictures=$(grep -o "data:image/png" "$WORK/a/report.html" | wc -l)
[ "$pictures" -gt 2 ] && [ "$(grep -o "data:image/png" "$WORK/a,c/report.html" | wc -l)" = "$pictures" ] ||
  fail "the report of a run in a folder with a comma lost pictures"
# compare on a score.csv that does not fit the data: named, exit 1
cp -r "$WORK/a" "$WORK/d"
sed -i "2,\$s|^$WORK/stripes/test/|$WORK/moved/|" "$WORK/d/score.csv"
expect_rc 1 "$log" -- "$FANOGAN" compare --out "$WORK/d"
grep -q "^fanogan: $WORK/moved/.* of score.csv is not in the test set of --data $DATA: run fanogan score again" \
  "$log" || { cat "$log"; fail "compare: a score.csv row not in the test set"; }
head -1 "$WORK/a/score.csv" > "$WORK/d/score.csv"
expect_rc 1 "$log" -- "$FANOGAN" compare --out "$WORK/d"
grep -q "^fanogan: $WORK/d/score.csv has no rows$" "$log" || { cat "$log"; fail "compare: empty score.csv"; }
# a damaged image is named
head -c 200 "$TEST/good/000.png" > "$WORK/cut.png"
expect_rc 1 "$log" -- "$FANOGAN" predict --out "$WORK/a" --predict-dir "$WORK/p3" "$WORK/cut.png"
grep -q "^fanogan: png: $WORK/cut.png: " "$log" || { cat "$log"; fail "truncated image message"; }
pass "predict gives the numbers of score, decisions against the saved threshold; paths with a comma are quoted"

# ---- corrupt checkpoints -------------------------------------------------------------------
cp -r "$WORK/a" "$WORK/c"
size=$(stat -c %s "$WORK/c/encoder.npz")
head -c $((size / 2)) "$WORK/a/encoder.npz" > "$WORK/c/encoder.npz"
expect_rc 1 "$log" -- "$FANOGAN" score --out "$WORK/c"
grep -q "^fanogan: checkpoint $WORK/c/encoder.npz: " "$log" || { cat "$log"; fail "truncated checkpoint message"; }
cp "$WORK/a/encoder.npz" "$WORK/c/encoder.npz"
printf 'garbage!garbage!' | dd of="$WORK/c/encoder.npz" bs=1 seek=$((size / 3)) conv=notrunc 2> /dev/null
expect_rc 1 "$log" -- "$FANOGAN" score --out "$WORK/c"
grep -q "^fanogan: checkpoint $WORK/c/encoder.npz: " "$log" || { cat "$log"; fail "damaged checkpoint message"; }
printf 'not a zip' > "$WORK/c/encoder.npz"
expect_rc 1 "$log" -- "$FANOGAN" score --out "$WORK/c"
grep -q "^fanogan: checkpoint $WORK/c/encoder.npz: " "$log" || { cat "$log"; fail "non-npz checkpoint message"; }
head -c 1000 "$WORK/a/gan.npz" > "$WORK/c/gan.npz"
expect_rc 1 "$log" -- "$FANOGAN" train-encoder --out "$WORK/c"
grep -q "^fanogan: checkpoint $WORK/c/gan.npz: " "$log" || { cat "$log"; fail "truncated GAN checkpoint message"; }
pass "corrupt checkpoints give a clear error"

# ---- divergence stops and keeps the last good checkpoint -----------------------------------
sum=$(md5sum < "$WORK/b/gan.npz")
expect_rc 1 "$log" -- "$FANOGAN" train-gan --out "$WORK/b" --gan-epochs 4 --resume --lr 1e9
grep -q "training diverged\|became NaN\|became infinite" "$log" || { cat "$log"; fail "divergence not reported"; }
grep -q "the last good checkpoint is $WORK/b/gan.npz" "$log" || fail "last good checkpoint not named"
[ "$(md5sum < "$WORK/b/gan.npz")" = "$sum" ] || fail "the last good checkpoint was overwritten"
# (the GAN went on training: the encoder of the old one, with its G and D, is gone)
grep -q "removed $WORK/b/encoder.npz" "$log" && [ ! -e "$WORK/b/encoder.npz" ] || fail "stale encoder kept"
pass "divergence stops training, the last good checkpoint kept; the stale encoder removed"

# ---- Ctrl-C saves a checkpoint and exits 130; --resume goes on from it ---------------------
"$FANOGAN" train-gan --out "$WORK/i" --gan-epochs 1000 "${common[@]}" > "$log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "^gan," "$WORK/i/losses.csv" 2> /dev/null && break; sleep 0.2; done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || { cat "$log"; fail "Ctrl-C exit status $rc, expected 130"; }
grep -q "^fanogan: interrupted at epoch .*; saved $WORK/i/gan.npz; continue with fanogan train-gan --out $WORK/i --resume" \
  "$log" || { cat "$log"; fail "interrupt message"; }
steps=$(tail -1 "$WORK/i/losses.csv" | cut -d, -f3)
# 4 steps an epoch: finish the interrupted one
expect_rc 0 "$log" -- "$FANOGAN" train-gan --out "$WORK/i" --resume --gan-epochs $(( steps / 4 + 1 ))
grep -q "resuming the GAN from $WORK/i/gan.npz at epoch .*, step $steps$" "$log" || { cat "$log"; fail "resume after Ctrl-C"; }
pass "Ctrl-C saves at a step boundary (step $steps) and --resume continues"
