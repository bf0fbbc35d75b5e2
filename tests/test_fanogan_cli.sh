#!/usr/bin/env bash
# test_fanogan_cli.sh BIN — the fanogan command line on a tiny data set (32x32
# stripes of examples/make_stripes.c): bad flags give the usage and exit 2,
# errors exit 1 with "fanogan: <message>"; resuming continues the step counter
# and makes the same numbers as a run that never stopped; Ctrl-C saves a
# checkpoint and exits 130; a corrupt checkpoint is reported; a diverging run
# stops and keeps its last good checkpoint; predict gives exactly the numbers
# of score.
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
expect_rc 2 "$log" -- "$FANOGAN" train-gan
grep -q -- "--data is required" "$log" || fail "missing --data not reported"
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
common=(--data "$DATA" --img-size 32 --batch 16 --seed 3)
expect_rc 0 "$log" -- "$FANOGAN" train-gan --out "$WORK/a" --gan-epochs 1 "${common[@]}"
expect_rc 0 "$log" -- "$FANOGAN" train-gan --out "$WORK/a" --gan-epochs 2 --resume
grep -q "resuming the GAN from $WORK/a/gan.npz at epoch 2, step 4" "$log" || { cat "$log"; fail "resume message"; }
grep -q "8 steps" "$log" || fail "the step counter did not continue to 8"
[ -f "$WORK/a/samples/gan_epoch_001.png" ] && [ -f "$WORK/a/samples/gan_epoch_002.png" ] || fail "sample grids"
expect_rc 0 "$log" -- "$FANOGAN" train-gan --out "$WORK/b" --gan-epochs 2 "${common[@]}"
# the resumed run made the same steps: same losses (all but the time column)
cut -d, -f1-3,5- "$WORK/a/losses.csv" > "$WORK/a.losses"
cut -d, -f1-3,5- "$WORK/b/losses.csv" > "$WORK/b.losses"
cmp -s "$WORK/a.losses" "$WORK/b.losses" || { diff "$WORK/a.losses" "$WORK/b.losses"; fail "resumed losses differ"; }
for r in a b; do
  expect_rc 0 "$log" -- "$FANOGAN" train-encoder --out "$WORK/$r" --encoder-epochs 1
  expect_rc 0 "$log" -- "$FANOGAN" score --out "$WORK/$r"
done
cmp -s "$WORK/a/score.csv" "$WORK/b/score.csv" || fail "resumed run scores differently from the straight one"
head -1 "$WORK/a/score.csv" | grep -q "^path,label,img_distance,anomaly_score,z_distance" || fail "score.csv header"
pass "resume continues the step counter and gives the same scores"

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
pass "predict gives the numbers of score, decisions against the saved threshold"

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
pass "corrupt checkpoints give a clear error"

# ---- divergence stops and keeps the last good checkpoint -----------------------------------
sum=$(md5sum < "$WORK/b/gan.npz")
expect_rc 1 "$log" -- "$FANOGAN" train-gan --out "$WORK/b" --gan-epochs 4 --resume --lr 1e9
grep -q "training diverged\|became NaN\|became infinite" "$log" || { cat "$log"; fail "divergence not reported"; }
grep -q "the last good checkpoint is $WORK/b/gan.npz" "$log" || fail "last good checkpoint not named"
[ "$(md5sum < "$WORK/b/gan.npz")" = "$sum" ] || fail "the last good checkpoint was overwritten"
pass "divergence stops training, the last good checkpoint kept"

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
