#!/usr/bin/env bash
# Design study (issue 17): one design on one style, from scratch, with the perceptual recipe, under one
# budget (STEPS steps of 128-px crops, default 3000, cosine schedule). Resumable: rerun the same command to continue
# from <out>/<name>.onnx.ckpt. Usage: train.sh <out-dir> <name> <teacher> <style-image> [architecture flags...]
set -euo pipefail
out=$1 name=$2 teacher=$3 style=$4; shift 4
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
mkdir -p "$out"
ckpt="$out/$name.onnx.ckpt"
resume=(); [ -f "$ckpt" ] && resume=(--resume "$ckpt")
cd "$repo"
node --import tsx src/cli/entry.ts train --teacher "$teacher" --style "$style" \
  --content "${STYLECAST_MIRROR:?set STYLECAST_MIRROR}/photos/train" --size 128 --style-size 256 --batch 4 \
  --steps "${STEPS:-3000}" --lr 2e-3 --schedule cosine --seed 1 --threads 1 --checkpoint-every 100 --keep-checkpoint \
  --distill-weight 0.1 --teacher-style-weight 1e-3 --teacher-content-weight 1e-3 --style-weight 3e-4 \
  --content-weight 1e-4 --tv-weight 0 --teacher-margin 0 --head tanh --chart "$out/${name}_loss.png" "$@" \
  -o "$out/$name.onnx" --overwrite --json "${resume[@]}" >> "$out/$name.jsonl" 2>> "$out/$name.err"
