"""The client against a real `multiembed serve`, compared with `multiembed embed` on the same texts.

Uses the binary at $MULTIEMBED_BIN, else .build/release/multiembed or .build/debug/multiembed
(the newest that has a `serve` command), and the model at $MULTIEMBED_MODEL, else
models/all-MiniLM-L6-v2 (scripts/fetch-default-model). Skipped only when no binary with
`serve` exists; a missing model is a failure, since the tests cannot mean anything without it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import numpy as np
import pytest

import multiembed

REPO = Path(__file__).resolve().parents[3]
TEXTS = [
    "A photo of a cat sitting on a windowsill.",
    "A dog runs across the beach at sunset.",
    "How do I reset my password?",
    "Der Hund läuft am Strand entlang.",
    "",
    "word " * 600,  # over the model's 256 tokens: truncated
]


def find_binary() -> Tuple[Optional[Path], str]:
    """The multiembed binary with a `serve` command, or None and why."""
    override = os.environ.get("MULTIEMBED_BIN")
    candidates = [Path(override)] if override else [REPO / ".build/release/multiembed", REPO / ".build/debug/multiembed"]
    existing = sorted((c for c in candidates if c.is_file()), key=lambda c: c.stat().st_mtime, reverse=True)
    if not existing:
        return None, f"no multiembed binary (looked for {', '.join(map(str, candidates))}; run swift build)"
    for binary in existing:
        probe = subprocess.run([str(binary), "serve", "--help"], capture_output=True, text=True, timeout=60)
        if probe.returncode == 0 and "serve" in probe.stdout.lower():
            return binary, ""
    return None, f"{', '.join(map(str, existing))} has no `serve` command yet (the server has not landed in this build)"


BINARY, SKIP_REASON = find_binary()
pytestmark = pytest.mark.skipif(BINARY is None, reason=SKIP_REASON)
MODEL = Path(os.environ.get("MULTIEMBED_MODEL", REPO / "models/all-MiniLM-L6-v2"))


@pytest.fixture(scope="module")
def server() -> Iterator[Tuple[str, int]]:
    if not (MODEL / "config.json").is_file():
        pytest.fail(f"model {MODEL} not found: run scripts/fetch-default-model (or set MULTIEMBED_MODEL)")
    process = subprocess.Popen(
        [str(BINARY), "serve", "--model", str(MODEL), "--port", "0", "--max-inputs-per-request", "5"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    address: List[Tuple[str, int]] = []
    lines: List[str] = []
    ready = threading.Event()

    def read_stderr() -> None:  # keep draining stderr so the server never blocks on it
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            match = re.search(r"listening on (\S+):(\d+)\s*$", line)
            if match and not address:
                address.append((match.group(1), int(match.group(2))))
                ready.set()
        ready.set()

    threading.Thread(target=read_stderr, daemon=True).start()
    ready.wait(120)
    try:
        if not address:
            pytest.fail("the server did not print 'listening on HOST:PORT':\n" + "".join(lines[-20:]))
        yield address[0]
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def cli_embed(texts: List[str], tmp_path: Path, *extra: str) -> Tuple[np.ndarray, List[np.ndarray]]:
    """`multiembed embed` of ``texts``: pooled vectors and (with --multi-vector) token vectors."""
    path = tmp_path / "texts.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    out = subprocess.run([str(BINARY), "embed", "--model", str(MODEL), "--texts", str(path), *extra],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    rows = sorted((json.loads(line) for line in out.splitlines() if line.strip()), key=lambda r: r["index"])
    pooled = np.array([r["embedding"] for r in rows], dtype=np.float32)
    tokens = [np.array(r["vectors"], dtype=np.float32) for r in rows if "vectors" in r]
    return pooled, tokens


def test_info_and_health(server):
    with multiembed.Client(*server) as client:
        info = client.info()
        assert info.models[0].dimension == 384
        assert info.limits.max_inputs_per_request == 5
        assert client.health().status == multiembed.SERVING


def test_pooled_vectors_match_the_cli(server, tmp_path):
    expected, _ = cli_embed(TEXTS, tmp_path)
    with multiembed.Client(*server) as client:
        result = client.embed_result(TEXTS * 2, batch_size=3)  # 12 inputs: 4 requests in flight
    assert result.pooled.shape == (12, 384)
    np.testing.assert_allclose(result.pooled[:6], expected, atol=1e-6, rtol=0)
    np.testing.assert_allclose(result.pooled[6:], expected, atol=1e-6, rtol=0)
    assert result.truncated.tolist() == [False] * 5 + [True] + [False] * 5 + [True]


def test_instruction_matches_the_cli(server, tmp_path):
    expected, _ = cli_embed(TEXTS[:3], tmp_path, "--instruction", "query: ")
    with multiembed.Client(*server) as client:
        got = client.embed(TEXTS[:3], instruction="query: ")
    np.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)


def test_encodings_agree_with_float32(server):
    with multiembed.Client(*server) as client:
        full = client.embed(TEXTS[:4])
        half = client.embed(TEXTS[:4], encoding="float16")
        result = client.embed_result(TEXTS[:4], encoding="int8")
        bits = client.embed(TEXTS[:4], encoding="binary")
    assert half.dtype == np.float16
    np.testing.assert_array_equal(half, full.astype(np.float16))
    assert result.pooled.dtype == np.int8
    np.testing.assert_allclose(result.dequantized().pooled, full, atol=float(result.pooled_scales.max()) * 0.51)
    np.testing.assert_array_equal(bits, np.packbits(full > 0, axis=-1, bitorder="little"))


def test_multi_vector_matches_the_cli(server, tmp_path):
    with multiembed.Client(*server) as client:
        if client.info().models[0].token_dimension == 0:
            pytest.skip("the default model has no multi-vector output")
        pooled, multi = client.embed(TEXTS[:3], output="both")
    expected_pooled, expected_tokens = cli_embed(TEXTS[:3], tmp_path, "--multi-vector")
    np.testing.assert_allclose(pooled, expected_pooled, atol=1e-6, rtol=0)
    for got, want in zip(multi, expected_tokens):
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)


def test_errors_from_the_real_server(server):
    with multiembed.Client(*server) as client:
        with pytest.raises(multiembed.NotFound):
            client.embed(["x"], model="no-such-model")
        with pytest.raises(multiembed.InputErrors) as caught:
            client.embed(["short", "word " * 600], truncate="error")
        assert [e.index for e in caught.value.input_errors] == [1]
        assert caught.value.input_errors[0].code == multiembed.StatusCode.INVALID_ARGUMENT
        with pytest.raises(multiembed.InvalidArgument):
            client.embed(["x"], dimensions=7)
        assert client.embed("still fine").shape == (384,)


def test_async_client_on_the_real_server(server):
    import asyncio

    async def main():
        async with multiembed.AsyncClient(*server) as client:
            return await asyncio.gather(*(client.embed([t]) for t in TEXTS[:4]))

    rows = asyncio.run(main())
    with multiembed.Client(*server) as client:
        np.testing.assert_array_equal(np.concatenate(rows), client.embed(TEXTS[:4]))
