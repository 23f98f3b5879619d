#!/usr/bin/env bash
# Design study, round 2: quality and speed of study.sh's models, then the report (table with the Pareto
# front, chart, a sheet per design). Quality: 12 held-out photos at 432x288 (losses only; eval's time
# columns there are of 3 runs and not used). Speed: 640x480, 30 timed runs each, in turn with the
# teacher, on a quiet machine. w12 and widemid are over the budget at full size and run at render scale
# 0.75 as well; today's design at 0.75 shows what the scale alone costs.
# Usage: evaluate.sh <study-dir> <out-dir>
set -euo pipefail
dir=$1 out=$2
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
P="${STYLECAST_MIRROR:?set STYLECAST_MIRROR}/photos/test"
mkdir -p "$out"
cd "$repo"
evalc() { # <style> <eval options...>: every model of the style against its teacher, JSON
  local style=$1; shift
  local models=(); for d in today b4 down3 w12 widemid today w12 widemid; do models+=("$dir/$style-$d.onnx"); done
  node --import tsx src/cli/entry.ts eval -m "${models[@]}" --render-scale 1 1 1 1 1 0.75 0.75 0.75 --reference "$style" \
    --photos "$P" --threads 2 --json "$@"
}
# Quality first (kept if already there: losses do not depend on the load), then speed, each timing
# started at a 1-minute load average under 1.5 (the quality runs leave it high).
for style in candy la_muse; do
  [ -s "$out/$style-quality.json" ] || evalc "$style" --size 432x288 --limit 12 --trials 3 --peak-runs 0 > "$out/$style-quality.json"
done
for style in candy la_muse; do
  while awk '{exit !($1 > 1.5)}' /proc/loadavg; do sleep 5; done
  evalc "$style" --size 640x480 --limit 1 --trials 30 --peak-runs 3 > "$out/$style-speed.json"
done
photos=$(ls "$P"/* | sed -n '5p;9p;14p' | paste -sd,)
npx tsx scripts/design-study.ts "$out" "$photos" candy="$out/candy-quality.json,$out/candy-speed.json" la_muse="$out/la_muse-quality.json,$out/la_muse-speed.json"
