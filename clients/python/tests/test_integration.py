"""The client against a real `multiembed serve`, compared with `multiembed embed` on the same texts.

Late interaction runs on the tiny CLIP fixture (a second model of the same server), with the
collections in a temporary data directory.

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
CLIP = REPO / "Tests/Fixtures/tiny-clip"  # the second model: multi-vector output for late interaction
IMAGES = REPO / "Tests/Fixtures/images"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, int]]:
    if not (MODEL / "config.json").is_file():
        pytest.fail(f"model {MODEL} not found: run scripts/fetch-default-model (or set MULTIEMBED_MODEL)")
    data_dir = tmp_path_factory.mktemp("collections")
    process = subprocess.Popen(
        [str(BINARY), "serve", "--model", str(MODEL), "--model", str(CLIP), "--port", "0",
         "--max-inputs-per-request", "5", "--data-dir", str(data_dir)],
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


def maxsim(query: np.ndarray, document: np.ndarray) -> float:
    return float((query @ document.T).max(axis=1).sum(dtype=np.float32))


def test_collections_on_the_real_server(server):
    with multiembed.Client(*server) as client:
        info = client.create_collection("it-pages", model="tiny-clip", precision="float32")
        assert info.model == "tiny-clip" and info.dimension == 24 and info.document_count == 0
        with pytest.raises(multiembed.AlreadyExists):
            client.create_collection("it-pages", model="tiny-clip")
        with pytest.raises(multiembed.NotFound):
            client.create_collection("it-other", model="no-such-model")
        texts = ["a red square", "a blue circle on a page", "a photo of a person"]
        pages = [IMAGES / "document-page.png", IMAGES / "diagram-clip.png"]
        result = client.upsert("it-pages", ["t0", "t1", "t2", "p0", "p1"], texts + pages,
                               metadata=[{"n": str(i)} for i in range(5)], batch_size=2)
        assert result.upserted == 5 and result.usage.tokens > 0 and result.usage.patches > 0
        assert [c.document_count for c in client.list_collections() if c.name == "it-pages"] == [5]
        stored = client.get("it-pages", ["t1", "nope", "p0"], include_vectors=True)
        assert [d.id for d in stored] == ["t1", "p0"] and stored[0].metadata == {"n": "1"}
        embedded = client.embed(texts[1], model="tiny-clip", multi_vector=True, instruction="")
        np.testing.assert_allclose(stored[0].vectors, embedded, atol=1e-6, rtol=0)

        hits = client.search("it-pages", "a blue circle", top_k=4)
        assert len(hits) == 4 and list(hits.scores) == sorted(hits.scores, reverse=True)
        everything = client.search("it-pages", "a blue circle", top_k=10)
        assert hits.ids == everything.ids[:4] and len(everything) == 5
        scores = client.score("a blue circle", texts + pages, model="tiny-clip")
        by_id = dict(zip(["t0", "t1", "t2", "p0", "p1"], scores.scores))
        np.testing.assert_allclose([by_id[i] for i in everything.ids], everything.scores, rtol=1e-5)
        filtered = client.search("it-pages", "a blue circle", filter_ids=["p1", "t0"])
        assert sorted(filtered.ids) == ["p1", "t0"]

        assert client.delete("it-pages", ["t0", "t0-never"]) == 1
        assert "t0" not in client.search("it-pages", "a red square").ids
        client.drop_collection("it-pages")
        with pytest.raises(multiembed.NotFound):
            client.search("it-pages", "anything")


def test_precomputed_vectors_on_the_real_server(server):
    rng = np.random.default_rng(7)
    documents = [rng.standard_normal((n, 8)).astype(np.float32) for n in (3, 5, 2)]
    query = rng.standard_normal((4, 8)).astype(np.float32)
    unit = [d / np.linalg.norm(d, axis=1, keepdims=True) for d in documents]
    q = query / np.linalg.norm(query, axis=1, keepdims=True)
    with multiembed.Client(*server) as client:
        client.create_collection("it-vectors", dimension=8, vectors_only=True)
        client.upsert("it-vectors", ["a", "b", "c"], documents)
        hits = client.search("it-vectors", query, top_k=3)
        expected = sorted(((maxsim(q, d), i) for i, d in zip("abc", unit)), reverse=True)
        assert hits.ids == [i for _, i in expected]
        np.testing.assert_allclose(hits.scores, [s for s, _ in expected], rtol=1e-5)
        np.testing.assert_allclose(client.score(query, documents).scores, [maxsim(q, d) for d in unit], rtol=1e-5)
        with pytest.raises(multiembed.FailedPrecondition):
            client.upsert("it-vectors", ["d"], [np.ones((2, 4), np.float32)])
        with pytest.raises(multiembed.InvalidArgument) as caught:
            client.upsert("it-vectors", ["e", "f"], [np.ones((1, 8), np.float32), np.zeros((1, 8), np.float32)])
        assert [e.index for e in caught.value.input_errors] == [1]
        assert [d.id for d in client.get("it-vectors", ["e", "f"])] == []  # all or nothing
        client.drop_collection("it-vectors")
