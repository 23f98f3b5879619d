#!/usr/bin/env bash
# Pilot (issue 17): candy_rt fine-tuned 400 steps, new recipe vs old recipe, same data/seed/steps.
set -euo pipefail
export STYLECAST_MIRROR=/work/shared/assets STYLECAST_CACHE=/tmp/sc-cache
cd /work/main; D=/work/runs/pilot
SC="node --import tsx src/cli/entry.ts"
common="train --init /work/main/models/candy_rt.onnx --teacher candy --style /work/shared/assets/images/styles/01_candy.jpg --content /work/shared/assets/photos/train --size 128 --style-size 256 --batch 4 --steps 400 --lr 1e-3 --seed 7 --threads 1 --checkpoint-every 50 --json"
name=$1; shift
if [ -f $D/$name.onnx.ckpt ]; then resume="--resume $D/$name.onnx.ckpt"; else resume=""; fi
$SC $common -o $D/$name.onnx $resume "$@" >> $D/$name.jsonl 2> $D/$name.err
