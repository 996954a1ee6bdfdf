#!/bin/sh
# The shipped models (hw-default, sw-default, sw-nosyscalls) are exactly what `cjd train`
# makes from the committed traces with the options in models/train_options.sh: retrained
# here, they must be byte-identical. (A change to the trainer, the featurizer or a trace
# without `models/build.sh --train-only` fails.)
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
for m in hw-default sw-default sw-nosyscalls; do
	case $m in
	hw-default) mode=sim opts=$HW_OPTS set=$HW_TRAIN desc=$HW_DESC ;;
	sw-default) mode=real opts=$SW_OPTS set=$SW_TRAIN desc=$SW_DESC ;;
	sw-nosyscalls) mode=real opts=$SW_NOSYS_OPTS set=$SW_NOSYS_TRAIN desc=$SW_NOSYS_DESC ;;
	esac
	[ -f "$M/$m.json" ] || { echo "FAIL models/$m.json is missing"; fail=1; continue; }
	# shellcheck disable=SC2086
	if ! "$CJD_BIN" train -q $opts --name "$m" --version "$VERSION" --description "$desc" \
		-o "$T/$m.json" $(traces $mode $set) 2>"$T/err"; then
		echo "FAIL retraining $m: $(cat "$T/err")"; fail=1; continue
	fi
	if cmp -s "$T/$m.json" "$M/$m.json"; then
		echo "ok   models/$m.json is reproduced byte for byte"
	else
		echo "FAIL models/$m.json differs from a retrained one (run models/build.sh --train-only):"
		diff "$M/$m.json" "$T/$m.json" | head -10
		fail=1
	fi
done
exit $fail
