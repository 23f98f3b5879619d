#!/usr/bin/env bash
# Pilot (issue 17): a shipped student fine-tuned 400 steps with one distillation recipe; the two runs
# of a style share data, seed and steps. Resumable: rerun the same command to continue.
# Usage: run.sh <out-dir> <student> <teacher> <style-image> <run-name> [loss weight flags...]
set -euo pipefail
out=$1 student=$2 teacher=$3 style=$4 name=$5; shift 5
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
mkdir -p "$out"
resume=(); [ -f "$out/$name.onnx.ckpt" ] && resume=(--resume "$out/$name.onnx.ckpt")
cd "$repo"
node --import tsx src/cli/entry.ts train --init "models/$student.onnx" --teacher "$teacher" --style "$style" \
  --content "${STYLECAST_MIRROR:?set STYLECAST_MIRROR}/photos/train" --size 128 --style-size 256 --batch 4 \
  --steps 400 --lr 1e-3 --seed 7 --threads 1 --checkpoint-every 50 --keep-checkpoint --teacher-margin 0 --json \
  -o "$out/$name.onnx" "${resume[@]}" "$@" >> "$out/$name.jsonl" 2>> "$out/$name.err"
