#!/usr/bin/env bash
# Visual document retrieval against a running server: starts `multiembed serve` on a free port
# with a temporary data directory, indexes page images into a collection with the Python client
# (one vector per image patch: CLIP vision tower + visual projection), searches them with text
# (one vector per query token: CLIP text tower + text projection), scored by late interaction
# (MaxSim), and stops the server.
#
#   samples/visual-document-retrieval/run.sh [--model MODEL_DIR] [IMAGE...]
#   samples/visual-document-retrieval/run.sh MODEL_DIR [IMAGE...]      (older form)
#
# A ColModernVBERT folder works too (one vector per token of each page's tiles and prompt, its
# queries through the model's query path); run-cli.sh --model MODEL_DIR does the same with the CLI.
#
# Defaults: the tiny random-weight CLIP of the test fixtures and the fixture images, so the
# script runs anywhere the repository builds. Random weights give arbitrary rankings: point
# MODEL_DIR at a real CLIP checkpoint folder (Hugging Face layout, e.g. openai/clip-vit-base-patch32)
# and pass your own page images for meaningful results.
#
# Environment: MULTIEMBED (the binary; default .build/release/multiembed, built if missing),
# PYTHON (an interpreter with the multiembed package; default: a venv at
# ${TMPDIR:-/tmp}/multiembed-python-venv with ./clients/python installed into it).
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
queries=("a quarterly revenue report" "a diagram of an embedding model" "a photo of a person")

bin="${MULTIEMBED:-$root/.build/release/multiembed}"
if [ ! -x "$bin" ]; then
    (cd "$root" && swift build -c release --product multiembed)
fi

# A Python with the client: $PYTHON, else the venv clients/python/run-tests uses.
python="${PYTHON:-}"
if [ -z "$python" ]; then
    venv="${MULTIEMBED_PYTHON_VENV:-${TMPDIR:-/tmp}/multiembed-python-venv}"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$root/clients/python"
    python="$venv/bin/python"
fi

data="$(mktemp -d)"
log="$data/server.log"
server_pid=""
# Stops the server (SIGTERM, which drains it; SIGKILL after 10 s) and removes the data.
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$data"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

"$bin" serve --model "$model" --data-dir "$data/collections" --host 127.0.0.1 --port 0 \
    --shutdown-grace 5 2> "$log" &
server_pid=$!
port=""
for _ in $(seq 600); do   # the server prints 'listening on HOST:PORT' once its models are loaded
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "error: the server did not start; its log:" >&2
    cat "$log" >&2
    exit 1
fi
echo "== server on 127.0.0.1:$port with $(basename "$model"), data in a temporary folder"

"$python" "$here/search_pages.py" --port "$port" --pages "${pages[@]}" -- "${queries[@]}"

stop_server
server_pid=""
echo "== server stopped"
