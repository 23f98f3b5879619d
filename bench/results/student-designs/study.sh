#!/usr/bin/env bash
# Design study, round 2 (issue 17): five designs x two styles (candy: torch family, la_muse: Engstrom
# family), from scratch under one budget of STEPS (default 600) steps each. Two lanes of one thread, one
# per style, so the two styles' runs share the machine alike. Resumable: rerun to continue; finished runs
# are skipped. The render-scale designs (w12, wide middle) are trained like the others: the scale is an
# inference-time choice (eval --render-scale). Usage: study.sh <out-dir>
set -euo pipefail
out=$1
here="$(cd "$(dirname "$0")" && pwd)"
S="${STYLECAST_MIRROR:?set STYLECAST_MIRROR}/images/styles"
export STEPS=${STEPS:-600}
DESIGNS=(
  "today|--width 8 --blocks 2 --first-kernel 3 --last-kernel 3"
  "b4|--width 8 --blocks 4 --first-kernel 3 --last-kernel 3"
  "down3|--width 8 --widths 8,16,32,64 --blocks 2 --first-kernel 3 --last-kernel 3"
  "w12|--width 12 --blocks 2 --first-kernel 3 --last-kernel 3"
  "widemid|--width 8 --widths 8,32,64 --blocks 2 --first-kernel 3 --last-kernel 3"
)
lane() { # <style-name> <teacher> <painting>
  for d in "${DESIGNS[@]}"; do
    local name="$1-${d%%|*}"; local flags; read -r -a flags <<< "${d#*|}"
    [ -f "$out/$name.done" ] && continue
    "$here/train.sh" "$out" "$name" "$2" "$3" "${flags[@]}"
    touch "$out/$name.done"
  done
}
mkdir -p "$out"
lane candy candy "$S/01_candy.jpg" &
lane la_muse la_muse "$S/la_muse.jpg" &
wait
