#!/usr/bin/env bash
# Visual document retrieval with the multiembed CLI alone, no server (the alternative to run.sh):
# index page images as multi-vector documents, then search them with text, scored by late
# interaction (MaxSim). With a CLIP model: one vector per image patch (vision tower + visual
# projection) and one per query token (text tower + text projection). With a ColModernVBERT
# model (colpali-engine layout, `model_type` modernvbert): one 128-dimensional vector per token
# of each page's tiled prompt (image tiles and prompt alike) and of each query's
# `process_queries` text, as colpali-engine indexes and scores them.
#
#   samples/visual-document-retrieval/run-cli.sh [--model MODEL_DIR] [IMAGE...]
#   samples/visual-document-retrieval/run-cli.sh MODEL_DIR [IMAGE...]      (older form)
#
# Defaults: the tiny random-weight CLIP of the test fixtures and the fixture images, so the
# script runs anywhere the repository builds; `--model Tests/Fixtures/tiny-colmodernvbert` runs
# the ColModernVBERT path on the tiny fixture. Random weights give arbitrary rankings: point
# --model at a real checkpoint folder (Hugging Face layout, e.g. openai/clip-vit-base-patch32 or
# ModernVBERT/colmodernvbert) and pass your own page images for meaningful results.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
model="$root/Tests/Fixtures/tiny-clip"
if [ "${1:-}" = "--model" ]; then
    [ "$#" -ge 2 ] || { echo "--model needs a model folder" >&2; exit 2; }
    model="$2"
    shift 2
elif [ "$#" -gt 0 ] && [ -d "$1" ]; then
    model="$1"
    shift
fi
[ -f "$model/config.json" ] || { echo "$model is not a model folder (no config.json)" >&2; exit 2; }
if [ "$#" -gt 0 ]; then
    pages=("$@")
else
    pages=("$root/Tests/Fixtures/images/document-page.png" "$root/Tests/Fixtures/images/diagram-clip.png"
           "$root/Tests/Fixtures/images/photo-kafka.jpg" "$root/Tests/Fixtures/images/gradient-rgb.png")
fi
bin="${MULTIEMBED:-$root/.build/release/multiembed}"
if [ ! -x "$bin" ]; then
    (cd "$root" && swift build -c release --product multiembed)
fi
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT

echo "== indexing ${#pages[@]} page images with $(basename "$model") (float16 storage)"
"$bin" index add --collection pages --data-dir "$data" --model "$model" --precision float16 "${pages[@]}"
"$bin" index list --data-dir "$data"

for query in "a quarterly revenue report" "a diagram of an embedding model" "a photo of a person"; do
    echo "== search: $query"
    "$bin" search --collection pages --data-dir "$data" --model "$model" --top-k 3 "$query"
done
