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


# -- dense collections, pooled vectors, hybrid search (all-MiniLM-L6-v2, the default model) -----

NEWS = {
    "rain": "heavy rain is expected across the north tomorrow",
    "sun": "a sunny and dry weekend for most of the country",
    "rates": "interest rates rose again as inflation stayed high",
    "goal": "the striker scored twice in the second half",
}
TOPICS = {"rain": "weather", "sun": "weather", "rates": "money", "goal": "sport"}


def test_info_reports_the_hardening_limits(server):
    with multiembed.Client(*server) as client:
        limits = client.info().limits
    # The server's defaults: each limit is on (non-zero), and the 64-bit ones are sizes in bytes.
    assert limits.max_response_bytes >= 1 << 20 and limits.max_answer_bytes_per_connection >= 1 << 20
    assert limits.max_connections_per_address >= 1 and limits.idle_timeout_ms >= 1000
    assert limits.max_failed_authentications >= 1
    assert limits.max_in_flight_per_connection == 256 and limits.frame_timeout_ms == 30000


def test_dense_collection_on_the_real_server(server):
    rng = np.random.default_rng(11)
    with multiembed.Client(*server) as client:
        query = client.embed("will it rain tomorrow")                           # (384,), normalised
        texts = client.embed(list(NEWS.values()))
        # "given" is only a pooled vector: the query's direction at cosine 0.3, times 5. Cosine
        # ranks it below the rain report, the dot product (5 x 0.3 = 1.5) above everything.
        noise = rng.standard_normal(384).astype(np.float32)
        noise -= (noise @ query) * query
        given = (5 * (0.3 * query + np.sqrt(1 - 0.09) * noise / np.linalg.norm(noise))).astype(np.float32)

        info = client.create_collection("it-dense", kind="dense")
        assert info.kind is multiembed.CollectionKind.DENSE
        assert (info.dimension, info.model, info.precision) == (384, "all-MiniLM-L6-v2", multiembed.Precision.FLOAT32)
        with pytest.raises(multiembed.InvalidArgument):   # refused by the client, as the server would
            client.create_collection("it-dense-binary", kind="dense", precision="binary")
        result = client.upsert("it-dense", list(NEWS) + ["given"], list(NEWS.values()) + [None],
                               metadata=[{"topic": TOPICS[k]} for k in NEWS] + [{"topic": "given"}],
                               pooled=[None] * len(NEWS) + [given])          # 5 documents: one request
        assert result.upserted == 5 and result.usage.tokens > 0
        assert [c.kind for c in client.list_collections() if c.name == "it-dense"] == [multiembed.CollectionKind.DENSE]

        by_cosine = client.search("it-dense", "will it rain tomorrow", top_k=5)
        by_dot = client.search("it-dense", "will it rain tomorrow", top_k=5, mode="dense", metric="dot")
        cosines = dict(zip(NEWS, texts @ query))
        cosines["given"] = float(given @ query) / float(np.linalg.norm(given))
        assert by_cosine.ids[0] == "rain" and by_cosine.ids == sorted(cosines, key=lambda k: -cosines[k])
        np.testing.assert_allclose(by_cosine.scores, [cosines[k] for k in by_cosine.ids], atol=1e-5)
        assert by_dot.ids[:2] == ["given", "rain"]
        assert by_dot.scores[0] == pytest.approx(float(given @ query), rel=1e-5)

        weather = client.search("it-dense", "football", filter_metadata={"topic": "weather"})
        assert sorted(weather.ids) == ["rain", "sun"] and all(h.metadata == {"topic": "weather"} for h in weather)
        both = client.search("it-dense", "football", filter_metadata={"topic": "weather"}, filter_ids=["sun", "goal"])
        assert both.ids == ["sun"]
        assert client.search("it-dense", "football", filter_metadata={"topic": "nothing"}).ids == []

        itself = client.search("it-dense", query_pooled=given, top_k=2)
        assert itself.ids[0] == "given" and itself.scores[0] == pytest.approx(1.0, abs=1e-5)
        assert client.search("it-dense", query_pooled=texts[2], top_k=1).ids == ["rates"]

        stored = client.get("it-dense", ["given", "nope", "rain"], include_vectors=True)
        assert [d.id for d in stored] == ["given", "rain"]
        np.testing.assert_array_equal(stored[0].pooled, given)                 # stored as given, not normalised
        np.testing.assert_allclose(stored[1].pooled, texts[0], atol=1e-6)       # the model's pooled embedding
        assert stored[0].vectors is None and stored[1].metadata == {"topic": "weather"}
        assert client.get("it-dense", ["given"])[0].pooled is None              # only with include_vectors

        with pytest.raises(multiembed.InvalidArgument):
            client.search("it-dense", "rain", mode="maxsim")
        with pytest.raises(multiembed.InvalidArgument):
            client.search("it-dense", "rain", mode="hybrid")
        with pytest.raises(multiembed.InvalidArgument) as vectors:
            client.upsert("it-dense", ["v"], [np.ones((1, 384), np.float32)])
        assert [e.index for e in vectors.value.input_errors] == [0]
        with pytest.raises(multiembed.FailedPrecondition) as short:
            client.upsert("it-dense", ["ok", "short"], pooled=[np.ones(384), np.ones(8)])
        assert [(e.index, e.code) for e in short.value.input_errors] == [(1, multiembed.StatusCode.FAILED_PRECONDITION)]
        with pytest.raises(multiembed.FailedPrecondition):
            client.search("it-dense", query_pooled=np.ones(8))
        assert [d.id for d in client.get("it-dense", ["ok", "short"])] == []   # all or nothing
        client.drop_collection("it-dense")


def test_hybrid_and_dense_search_of_a_multi_vector_collection_on_the_real_server(server):
    with multiembed.Client(*server) as client:
        info = client.create_collection("it-mv")
        assert info.kind is multiembed.CollectionKind.MULTI_VECTOR and info.dimension == 384
        client.upsert("it-mv", list(NEWS), list(NEWS.values()), metadata=[{"topic": TOPICS[k]} for k in NEWS])
        query = "will it rain tomorrow"
        maxsim_scores = dict(zip(NEWS, client.score(query, list(NEWS.values())).scores))

        dense = client.search("it-mv", query, mode="dense")
        pooled = client.embed(list(NEWS.values()))
        cosines = dict(zip(NEWS, pooled @ client.embed(query)))
        assert dense.ids[0] == "rain" and dense.ids == sorted(cosines, key=lambda k: -cosines[k])
        np.testing.assert_allclose(dense.scores, [cosines[k] for k in dense.ids], atol=1e-5)

        # Hybrid: the best dense candidates, re-ranked by MaxSim, with MaxSim scores.
        hybrid = client.search("it-mv", query, mode="hybrid", candidates=2, top_k=2)
        assert sorted(hybrid.ids) == sorted(dense.ids[:2]) and hybrid.ids[0] == "rain"
        np.testing.assert_allclose(hybrid.scores, [maxsim_scores[k] for k in hybrid.ids], rtol=1e-5)
        wide = client.search("it-mv", query, mode="hybrid", top_k=4)          # default depth: every document
        assert wide.ids == sorted(NEWS, key=lambda k: -maxsim_scores[k])
        # A decoy: the football report's tokens, the query's own pooled vector. It is the dense
        # side's best, and MaxSim's worst; only a first stage of depth 1 lets it win.
        client.upsert("it-mv", ["decoy"], [NEWS["goal"]], pooled=[client.embed(query)])
        assert client.search("it-mv", query, mode="dense", top_k=1).ids == ["decoy"]
        assert client.search("it-mv", query, mode="hybrid", candidates=1, top_k=1).ids == ["decoy"]
        assert client.search("it-mv", query, mode="hybrid", top_k=1).ids == ["rain"]
        assert client.delete("it-mv", ["decoy"]) == 1

        money = client.search("it-mv", "money", filter_metadata={"topic": "money"}, filter_ids=["rates", "goal"])
        assert money.ids == ["rates"]

        stored = client.get("it-mv", ["sun"], include_vectors=True)[0]
        np.testing.assert_allclose(stored.pooled, pooled[1], atol=1e-6)   # kept beside the token vectors
        assert stored.vectors.shape[1] == 384 and stored.vectors.shape[0] > 1

        # A document given as vectors has no pooled vector: dense and hybrid search refuse the
        # collection until it has one; MaxSim still searches everything.
        bare = np.random.default_rng(5).standard_normal((2, 384)).astype(np.float32)
        client.upsert("it-mv", ["bare"], [bare])
        assert client.get("it-mv", ["bare"], include_vectors=True)[0].pooled is None
        for mode in ("dense", "hybrid"):
            with pytest.raises(multiembed.FailedPrecondition) as caught:
                client.search("it-mv", query, mode=mode)
            assert caught.value.code == multiembed.StatusCode.FAILED_PRECONDITION
        assert len(client.search("it-mv", query)) == 5
        with pytest.raises(multiembed.InvalidArgument):    # vectors have no pooled embedding
            client.search("it-mv", bare, mode="hybrid")
        client.upsert("it-mv", ["bare"], [bare], pooled=[bare.mean(axis=0)])
        found = client.search("it-mv", bare, mode="hybrid", query_pooled=bare.mean(axis=0), candidates=1, top_k=1)
        assert found.ids == ["bare"]
        assert len(client.search("it-mv", query, mode="dense")) == 5
        client.drop_collection("it-mv")


def test_async_dense_search_on_the_real_server(server):
    import asyncio

    async def main():
        async with multiembed.AsyncClient(*server) as client:
            await client.create_collection("it-dense-async", kind="dense")
            await client.upsert("it-dense-async", list(NEWS), list(NEWS.values()),
                                metadata=[{"topic": TOPICS[k]} for k in NEWS])
            hits = await asyncio.gather(client.search("it-dense-async", "will it rain tomorrow", top_k=1),
                                        client.search("it-dense-async", "a goal", filter_metadata={"topic": "money"}))
            await client.drop_collection("it-dense-async")
            return hits

    rain, money = asyncio.run(main())
    assert rain.ids == ["rain"] and money.ids == ["rates"]


# -- pages: PDF text layers, OCR of page images, matched words (all-MiniLM-L6-v2) ---------------

PAGES = REPO / "Tests/Fixtures/pages"


def test_embed_pages_on_the_real_server(server):
    with multiembed.Client(*server) as client:
        result = client.embed_result(pages=[multiembed.Page(pdf=PAGES / "report.pdf", page_number=1),
                                            multiembed.Page(image=PAGES / "d1.png", languages=["eng"])])
    assert result.errors == []
    assert result.pooled.shape == (2, 384)
    pdf, scan = result.page_texts
    assert pdf.source == "pdf" and pdf.dpi > 0
    assert [w.text for w in pdf.words] == ["Quarterly", "revenue", "table", "Invoice", "totals", "by", "region"]
    assert all(w.confidence == -1 for w in pdf.words)
    assert all(w.width > 0 and w.height > 0 and w.x + w.width <= pdf.width for w in pdf.words)
    assert scan.source == "ocr"
    assert "shutdown" in scan.text.lower()


def test_page_documents_on_the_real_server(server):
    with multiembed.Client(*server) as client:
        client.create_collection("it-docs")
        try:
            upserted = client.upsert("it-docs", ["report"], [multiembed.Page(pdf=(PAGES / "report.pdf").read_bytes())],
                                     metadata=[{"kind": "pdf"}])
            assert upserted.upserted == 2  # page_number 0: every page as its own document
            documents = client.get("it-docs", ["report#1", "report#2"])
            assert [d.id for d in documents] == ["report#1", "report#2"]
            assert all(d.page_text is not None and d.page_text.source == "pdf" for d in documents)
            assert documents[0].page_text.words[1].text == "revenue"
            hits = client.search("it-docs", "revenue by region", include_matches=True)
            assert hits[0].id == "report#1"
            matched = [m.word.text for m in hits[0].matches]
            assert "revenue" in matched and "region" in matched
            words = documents[0].page_text.words
            assert all(words[m.word_index] == m.word and m.query_vectors for m in hits[0].matches)
            assert all(hit.matches == [] for hit in client.search("it-docs", "revenue by region"))
        finally:
            client.drop_collection("it-docs")
