#!/usr/bin/env bash
# The peer of `multiembed bench ocr`: Tesseract's own command line on the same pages, one
# process per core, each held to one OpenMP thread (left to its defaults, every process runs a
# thread per core and they fight: 0.51 pages/s a process on 2 cores). Words with their boxes
# (tsv), as the OCR module produces them, page segmentation 3 (automatic, no orientation), as
# the OCR module sets it. Prints one line: pages=N seconds=S pages_per_s=T processes=P
#
#   bench/peers/tesseract-ocr.sh DIR [LIMIT]
set -euo pipefail
dir=${1:?usage: tesseract-ocr.sh DIR [LIMIT]}
limit=${2:-0}
processes=$(nproc)
list=$(mktemp)
out=$(mktemp -d)
trap 'rm -rf "$list" "$out"' EXIT
find "$dir" -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) | sort > "$list"
if [ "$limit" -gt 0 ]; then head -n "$limit" "$list" > "$list.cut" && mv "$list.cut" "$list"; fi
pages=$(wc -l < "$list")
[ "$pages" -gt 0 ] || { echo "no page images under $dir" >&2; exit 1; }
start=$(date +%s.%N)
OMP_THREAD_LIMIT=1 xargs -a "$list" -P "$processes" -I{} \
  sh -c 'tesseract "$1" "$2/$(basename "$1")" --psm 3 -l eng tsv 2>/dev/null' _ {} "$out"
end=$(date +%s.%N)
awk -v n="$pages" -v s="$start" -v e="$end" -v p="$processes" \
  'BEGIN { t = e - s; printf "pages=%d seconds=%.3f pages_per_s=%.2f processes=%d\n", n, t, n / t, p }'
