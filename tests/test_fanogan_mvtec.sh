#!/usr/bin/env bash
# test_fanogan_mvtec.sh BIN — the MVTec AD layout and the pixel metrics end to
# end: make_synthetic_mvtec writes a 32x32 RGB category with scratch, spot and
# crack defects and their masks; `fanogan run --data mvtec:DIR/CATEGORY` must
# find every image and mask, and metrics.json must hold the pixel ROC-AUC and
# AUPRO (numbers in [0, 1]) and one AUC per defect type.
source "$(dirname "$0")/fanogan_lib.sh"
log=$WORK/log
"$SYNTH" --out "$WORK/mvtec" --category tiles --size 32 --channels 3 --train 96 --test-good 12 --test-defect 6 \
  --seed 2 > /dev/null || fail "make_synthetic_mvtec"
out=$WORK/run
expect_rc 0 "$log" -- "$FANOGAN" run --data "mvtec:$WORK/mvtec/tiles" --out "$out" --img-size 32 --batch 32 \
  --gan-epochs 2 --encoder-epochs 2 --examples 3
grep -q "scoring 30 of 30 test images (with masks)" "$log" || { cat "$log"; fail "test images or masks not found"; }
grep -q "^pixel ROC-AUC" "$log" || fail "no pixel metrics printed"
for key in pixel_roc_auc pixel_aupro image_roc_auc; do
  v=$(json_number "$out/metrics.json" $key)
  awk -v v="$v" 'BEGIN { exit !(v != "null" && v >= 0 && v <= 1) }' || fail "$key is '$v'"
done
[ "$(json_number "$out/metrics.json" pixel_regions)" -ge 18 ] || fail "fewer mask regions than defect images"
for defect in scratch spot crack; do
  grep -q "\"$defect\": [0-9]" "$out/metrics.json" || fail "no AUC for $defect"
  [ "$(awk -F, -v d="$defect" 'FNR > 1 && $6 == d && $2 == 1' "$out/score.csv" | wc -l)" = 6 ] || fail "$defect rows"
done
[ "$(awk -F, 'FNR > 1 && $6 == "good" && $2 == 0' "$out/score.csv" | wc -l)" = 12 ] || fail "good rows"
grep -q "AUPRO\|aupro" "$out/report.html" || fail "report.html shows no pixel metrics"
pass "mvtec layout: 30 images, masks, pixel ROC-AUC $(json_number "$out/metrics.json" pixel_roc_auc)," \
  "AUPRO $(json_number "$out/metrics.json" pixel_aupro)"
