#!/bin/sh
# The shipped models are exactly what `cjd train` makes from the committed traces with the
# options in models/train_options.sh: retrained here, they must be byte-identical. (A change
# to the trainer, the featurizer or a trace without `models/build.sh --train-only` fails.)
set -u
: "${CJD_BIN:?CJD_BIN must point at the cjd binary}"
: "${CJD_SOURCE_DIR:?CJD_SOURCE_DIR must point at the source tree}"
M=$CJD_SOURCE_DIR/models
T=$(mktemp -d "${TMPDIR:-/tmp}/cjd-reproduce-$$-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
. "$M/train_options.sh"
traces() { mode=$1; shift; for w in "$@"; do printf '%s ' "$M/data/$w.$mode.cjdt.gz"; done; }
set -f # the options hold globs for cjd
for m in hw sw; do
	if [ $m = hw ]; then mode=sim opts=$HW_OPTS set=$HW_TRAIN desc=$HW_DESC
	else mode=real opts=$SW_OPTS set=$SW_TRAIN desc=$SW_DESC; fi
	[ -f "$M/$m-default.json" ] || { echo "FAIL models/$m-default.json is missing"; fail=1; continue; }
	# shellcheck disable=SC2086
	if ! "$CJD_BIN" train -q $opts --name "$m-default" --version "$VERSION" --description "$desc" \
		-o "$T/$m.json" $(traces $mode $set) 2>"$T/err"; then
		echo "FAIL retraining $m: $(cat "$T/err")"; fail=1; continue
	fi
	if cmp -s "$T/$m.json" "$M/$m-default.json"; then
		echo "ok   models/$m-default.json is reproduced byte for byte"
	else
		echo "FAIL models/$m-default.json differs from a retrained one (run models/build.sh --train-only):"
		diff "$M/$m-default.json" "$T/$m.json" | head -10
		fail=1
	fi
done
exit $fail
