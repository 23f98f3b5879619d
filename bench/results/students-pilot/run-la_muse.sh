#!/usr/bin/env bash
# Pilot (issue 17): la_muse_rt fine-tuned 400 steps, new recipe vs old recipe, same data/seed/steps.
set -euo pipefail
export STYLECAST_MIRROR=/work/shared/assets STYLECAST_CACHE=/tmp/sc-cache
cd /work/main; D=/work/runs/pilot2
SC="node --import tsx src/cli/entry.ts"
common="train --init /work/main/models/la_muse_rt.onnx --teacher la_muse --style /work/shared/assets/images/styles/la_muse.jpg --content /work/shared/assets/photos/train --size 128 --style-size 256 --batch 4 --steps 400 --lr 1e-3 --seed 7 --threads 1 --checkpoint-every 50 --json"
name=$1; shift
if [ -f $D/$name.onnx.ckpt ]; then resume="--resume $D/$name.onnx.ckpt"; else resume=""; fi
$SC $common -o $D/$name.onnx $resume "$@" >> $D/$name.jsonl 2> $D/$name.err
