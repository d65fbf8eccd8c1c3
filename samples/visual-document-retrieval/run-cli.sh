#!/usr/bin/env bash
# Visual document retrieval with the multiembed CLI alone, no server (the alternative to run.sh):
# index page images as
# multi-vector documents (one vector per image patch, CLIP vision tower + visual projection),
# then search them with text (one vector per query token, CLIP text tower + text projection),
# scored by late interaction (MaxSim).
#
#   samples/visual-document-retrieval/run-cli.sh [MODEL_DIR] [IMAGE...]
#
# Defaults: the tiny random-weight CLIP of the test fixtures and the fixture images, so the
# script runs anywhere the repository builds. Random weights give arbitrary rankings: point
# MODEL_DIR at a real CLIP checkpoint folder (Hugging Face layout, e.g. openai/clip-vit-base-patch32)
# and pass your own page images for meaningful results.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
model="${1:-$root/Tests/Fixtures/tiny-clip}"
shift || true
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
