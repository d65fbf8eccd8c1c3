#!/usr/bin/env bash
# Visual document retrieval with real rankings on the default model, on pages rendered on this
# machine: the first page of three dozen of Debian's administration manuals (man section 8),
# typeset by groff and rasterised by Ghostscript to PNG, read back by OCR, indexed as the
# default model's token vectors, and searched with real questions. Prints rank, score, page and
# the words that matched, and writes each hit as a PNG with those words boxed in red.
#
# usage: samples/visual-document-retrieval/run-pages.sh [OUTPUT_DIR]   (default: ./vdr-highlights)
# env:   MODEL (default models/all-MiniLM-L6-v2), PAGES (how many manuals, default 36)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-vdr-highlights}")
model=${MODEL:-$root/models/all-MiniLM-L6-v2}
count=${PAGES:-36}
bin=$root/.build/release/multiembed

command -v groff >/dev/null || { echo "error: groff is missing (apt-get install groff)" >&2; exit 1; }
if ! command -v gs >/dev/null; then
  echo "installing Debian package ghostscript (to rasterise the typeset pages) ..." >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends ghostscript >/dev/null
fi
[ -f "$model/model.safetensors" ] || "$root/scripts/fetch-default-model"
[ -x "$bin" ] || (cd "$root" && swift build -c release --product multiembed >&2)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pages"

# The manuals the questions below are about, then others in name order up to $count.
wanted=(shutdown useradd chpasswd mount userdel groupadd ldconfig fsck mkfs sysctl chroot adduser)
others=$(ls /usr/share/man/man8 | sed -n 's/\.8\.gz$//p' | LC_ALL=C sort)
n=0
for name in "${wanted[@]}" $others; do
  [ $n -ge "$count" ] && break
  source=/usr/share/man/man8/$name.8.gz
  [ -f "$source" ] && [ ! -f "$work/pages/$name.png" ] || continue
  # Page 1 of the typeset manual at 100 dpi, in gray.
  if zcat "$source" | groff -man -Tps 2>/dev/null \
      | gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pnggray -r100 -dFirstPage=1 -dLastPage=1 \
           -sOutputFile="$work/pages/$name.png" - 2>/dev/null && [ -s "$work/pages/$name.png" ]; then
    n=$((n + 1))
  fi
done
echo "rendered $n pages" >&2

"$bin" index add --data-dir "$work/data" --collection manuals --model "$model" --pages "$work/pages"
mkdir -p "$out"
for question in "power off or reboot the machine" "create a new user account" "update passwords in batch mode" \
                "check and repair a file system" "run a command with a different root directory"; do
  echo
  echo "== $question"
  "$bin" search --data-dir "$work/data" --collection manuals --model "$model" --top-k 3 --highlight "$out/$(echo "$question" | tr ' ' '-')" "$question"
done
echo
echo "highlighted pages in $out" >&2
