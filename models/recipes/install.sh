#!/usr/bin/env bash
# Ship finished runs of retrain.sh: each <name>.onnx from the work dir replaces models/<name>.onnx, its
# event log goes to models/logs/ (every 10th step kept, as the other logs; every 10th round of styles for a multi-style run), its loss chart to docs/, and
# the registry's hashes are regenerated and the models' golden outputs (test/refactor/golden.test.ts)
# re-recorded. Usage: install.sh <work-dir> <name>...
set -euo pipefail
work=$1; shift
repo="$(cd "$(dirname "$0")/../.." && pwd)"
for n in "$@"; do
  [ -f "$work/$n.done" ] || { echo "install.sh: $n has not finished (no $work/$n.done)" >&2; exit 1; }
  cp "$work/$n.onnx" "$repo/models/$n.onnx"
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
    const events = lines.map((l) => JSON.parse(l));
    // A multi-style run goes round its styles step by step: keep every 10th whole round, so every style stays in the log.
    const round = new Set(events.map((e) => e.style).filter(Boolean)).size || 1;
    const keep = lines.filter((l, i) => { const e = events[i]; return e.type !== "step" || Math.floor((e.step - 1) / round) % 10 === 9 || e.step === e.steps; });
    require("fs").writeFileSync(process.argv[2], keep.join("\n") + "\n");' "$work/$n.jsonl" "$repo/models/logs/$n.jsonl"
  case $n in *_stable) charts=stability ;; multi_*) charts=multi-style ;; *) charts=compression ;; esac
  mkdir -p "$repo/docs/$charts"
  cp "$work/${n}_loss.png" "$repo/docs/$charts/${n}_loss.png"
done
(cd "$repo" && npx tsx scripts/gen-registry.ts "${STYLECAST_MIRROR:?set STYLECAST_MIRROR}" && node --import tsx test/refactor/record.ts "$@" > /dev/null)
