#!/usr/bin/env bash
# Integration test of the C client against a real server: starts `multiembed serve` on port 0
# with the default model, embeds texts through the client and compares them with
# `multiembed embed` on the same texts (within 1e-6), then checks other encodings, errors, late
# interaction on a vectors-only collection, and dense and hybrid search (a dense collection, a
# multi-vector one with pooled vectors, metadata filters) in a temporary data directory, and
# pages (a PDF's text layer, OCR of a page image, a whole PDF upserted, matched words).
#
# usage: tests/integration.sh PROGRAM   (`make -C clients/c integration` builds PROGRAM)
# env:   MULTIEMBED=path/to/multiembed (default: .build/release, then .build/debug)
#        MODEL=model folder (default: models/all-MiniLM-L6-v2; scripts/fetch-default-model)
set -euo pipefail
program=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$(cd "$(dirname "$0")/../../.." && pwd)
bin=${MULTIEMBED:-}
if [ -z "$bin" ]; then
  for candidate in "$repo/.build/release/multiembed" "$repo/.build/debug/multiembed"; do
    [ -x "$candidate" ] && { bin=$candidate; break; }
  done
fi
model=${MODEL:-$repo/models/all-MiniLM-L6-v2}
[ -n "$bin" ] && [ -x "$bin" ] || { echo "error: no multiembed binary (swift build first)" >&2; exit 1; }
"$bin" serve --help >/dev/null 2>&1 || { echo "error: $bin has no serve command" >&2; exit 1; }
[ -d "$model" ] || { echo "error: no model at $model (scripts/fetch-default-model)" >&2; exit 1; }

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/texts.txt" <<'TEXTS'
A man is eating food.
A man is riding a horse.
The new movie is awesome.
Überraschung: ein Café in Zürich, 東京 and emoji 🎉
short
TEXTS
"$bin" embed --model "$model" --texts "$work/texts.txt" >"$work/expected.jsonl" 2>"$work/embed.log"

"$bin" serve --model "$model" --port 0 --data-dir "$work/collections" 2>"$work/serve.log" &
server=$!
address=""
for _ in $(seq 1 600); do
  address=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$work/serve.log" | head -n1)
  [ -n "$address" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; echo "error: server exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$address" ] || { cat "$work/serve.log" >&2; echo "error: server did not start in 60 s" >&2; exit 1; }
host=${address%:*}
port=${address##*:}
echo "server at $host:$port ($bin, model $(basename "$model"))"
"$program" "$host" "$port" "$work/texts.txt" "$work/expected.jsonl" "$repo/Tests/Fixtures/pages"
