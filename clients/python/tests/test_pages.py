"""Page inputs against the fake server: the exact Page fields each call sends (embed, upsert,
search, score), and the parsing of text layers (Embedding.page_text, Document.page_text) and of
matched words (SearchHit.matches)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

import multiembed
from multiembed.v1 import collections_pb2, embed_pb2, envelope_pb2, pages_pb2, status_pb2

from conftest import DIM, FakeServer

WORDS = [pages_pb2.PageWord(text="Quarterly", x=10, y=20, width=90, height=14, confidence=-1, block=1, line=1),
         pages_pb2.PageWord(text="revenue", x=104, y=20, width=70, height=14, confidence=-1, block=1, line=1)]
PAGE_TEXT = pages_pb2.PageText(width=1275, height=1650, words=WORDS, text="Quarterly revenue", source="pdf",
                               note="", dpi=150)


def page_answer(conn, request: envelope_pb2.Request) -> None:
    """Embed: a pooled vector per input, a text layer for page inputs, input 'bad.pdf' failing.
    Get, Search, Score, Upsert: canned answers carrying page text and matches."""
    body = request.WhichOneof("body")
    if body == "embed":
        response = envelope_pb2.Response(id=request.id, embed=embed_pb2.EmbedResponse(model="fake"))
        for index, item in enumerate(request.embed.inputs):
            embedding = response.embed.embeddings.add(index=index)
            if item.WhichOneof("kind") == "page" and item.page.name == "bad.pdf":
                response.status.input_errors.add(index=index, code=status_pb2.INVALID_ARGUMENT, message="no page 9")
                continue
            embedding.pooled.dimension = DIM
            embedding.pooled.data = np.full(DIM, index, "<f4").tobytes()
            if item.WhichOneof("kind") == "page":
                embedding.page_text.CopyFrom(PAGE_TEXT)
        conn.send(response)
    elif body == "get":
        get = collections_pb2.GetResponse()
        get.documents.add(id="report#1", metadata={"kind": "pdf"}).page_text.CopyFrom(PAGE_TEXT)
        get.documents.add(id="plain")
        conn.send(envelope_pb2.Response(id=request.id, get=get))
    elif body == "search":
        search = collections_pb2.SearchResponse()
        hit = search.hits.add(id="report#1", score=1.5)
        if request.search.include_matches:
            hit.matches.add(word_index=1, word=WORDS[1], query_vectors=[0, 2], score=0.9)
            hit.matches.add(word_index=0, word=WORDS[0], query_vectors=[1], score=0.6)
            hit.matched_patches.add(vector=9, x=0, y=30, width=22, height=22, query_vectors=[3], score=0.4)
        search.hits.add(id="plain", score=0.5)
        conn.send(envelope_pb2.Response(id=request.id, search=search))
    elif body == "upsert":
        conn.send(envelope_pb2.Response(id=request.id, upsert=collections_pb2.UpsertResponse(upserted=2)))
    elif body == "score":
        score = collections_pb2.ScoreResponse(scores=[0.25] * len(request.score.documents))
        conn.send(envelope_pb2.Response(id=request.id, score=score))


@pytest.fixture
def server(fake_server) -> FakeServer:
    return fake_server(page_answer)


def sent(server: FakeServer, kind: str):
    return [getattr(r, kind) for r in server.requests if r.WhichOneof("body") == kind]


def test_embed_sends_pages_after_the_other_inputs_with_every_field(server, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-fake")
    with multiembed.Client("127.0.0.1", server.port) as client:
        result = client.embed_result(["a text"], pages=[
            multiembed.Page(pdf=pdf, page_number=2, languages=["eng", "deu"]),
            multiembed.Page(image=b"\x89PNG-fake", name="scan.png"),
        ])
    (request,) = sent(server, "embed")
    assert [i.WhichOneof("kind") for i in request.inputs] == ["text", "page", "page"]
    first, second = request.inputs[1].page, request.inputs[2].page
    assert first.WhichOneof("source") == "pdf" and first.pdf == b"%PDF-fake"
    assert (first.page_number, list(first.languages), first.name) == (2, ["eng", "deu"], "report.pdf")
    assert second.WhichOneof("source") == "image" and second.image == b"\x89PNG-fake"
    assert (second.page_number, list(second.languages), second.name) == (0, [], "scan.png")
    assert result.pooled.shape == (3, DIM)
    assert result.page_texts[0] is None
    text = result.page_texts[1]
    assert (text.text, text.source, text.width, text.height, text.note, text.dpi) == (
        "Quarterly revenue", "pdf", 1275, 1650, "", 150)
    assert text.words[1] == multiembed.PageWord("revenue", 104, 20, 70, 14, -1.0, 1, 1)
    assert result.page_texts[2] == text
    assert result.dequantized().page_texts == result.page_texts


def test_a_single_page_embeds_to_one_vector_and_a_failed_page_has_no_text(server):
    with multiembed.Client("127.0.0.1", server.port) as client:
        vector = client.embed(pages=multiembed.Page(pdf=b"%PDF"))
        result = client.embed_result(pages=[multiembed.Page(pdf=b"%PDF", page_number=9, name="bad.pdf"),
                                            multiembed.Page(pdf=b"%PDF")])
    assert vector.shape == (DIM,)
    assert [e.index for e in result.errors] == [0]
    assert result.page_texts[0] is None and result.page_texts[1].source == "pdf"


@pytest.mark.parametrize("make, error", [
    (lambda: multiembed.Page(), TypeError),
    (lambda: multiembed.Page(image=b"x", pdf=b"y"), TypeError),
    (lambda: multiembed.Page(image=b"x", page_number=2), ValueError),
    (lambda: multiembed.Page(pdf=b"x", page_number=-1), ValueError),
    (lambda: multiembed.Page(pdf=b"x", languages="eng"), TypeError),
])
def test_bad_pages_are_refused_when_made(make, error):
    with pytest.raises(error):
        make()


def test_pages_must_be_page_values(server):
    with multiembed.Client("127.0.0.1", server.port) as client:
        with pytest.raises(TypeError):
            client.embed(pages=[b"%PDF"])
    assert sent(server, "embed") == []


def test_upsert_search_and_score_send_pages_as_sources(server):
    with multiembed.Client("127.0.0.1", server.port) as client:
        client.upsert("docs", ["report", "scan"], [multiembed.Page(pdf=b"%PDF"), multiembed.Page(image=b"PNG")])
        client.search("docs", multiembed.Page(pdf=b"%PDF", page_number=2))
        client.score(multiembed.Page(image=b"PNG", languages=["eng"]), ["a text", multiembed.Page(pdf=b"%PDF")])
    (upsert,) = sent(server, "upsert")
    pages = [d.content.input.page for d in upsert.documents]
    assert [(p.WhichOneof("source"), p.page_number) for p in pages] == [("pdf", 0), ("image", 0)]
    (search,) = sent(server, "search")
    assert search.query.input.page.pdf == b"%PDF" and search.query.input.page.page_number == 2
    assert search.include_matches is False
    (score,) = sent(server, "score")
    assert list(score.query.input.page.languages) == ["eng"]
    assert [d.input.WhichOneof("kind") for d in score.documents] == ["text", "page"]


def test_get_parses_page_text(server):
    with multiembed.Client("127.0.0.1", server.port) as client:
        report, plain = client.get("docs", ["report#1", "plain"])
    assert report.page_text.text == "Quarterly revenue" and report.page_text.dpi == 150
    assert [w.text for w in report.page_text.words] == ["Quarterly", "revenue"]
    assert plain.page_text is None


def test_search_include_matches_is_sent_and_matches_parsed(server):
    with multiembed.Client("127.0.0.1", server.port) as client:
        without = client.search("docs", "revenue")
        hits = client.search("docs", "revenue", include_matches=True)
    assert [r.include_matches for r in sent(server, "search")] == [False, True]
    assert all(hit.matches == [] for hit in without)
    first = hits[0].matches
    assert [m.word.text for m in first] == ["revenue", "Quarterly"]
    assert (first[0].word_index, first[0].query_vectors, first[0].score) == (1, [0, 2], pytest.approx(0.9))
    assert (first[0].word.x, first[0].word.y, first[0].word.width, first[0].word.height) == (104, 20, 70, 14)
    assert hits[1].matches == []
    assert hits[0].matched_patches == [multiembed.MatchedPatch(9, 0, 30, 22, 22, [3], pytest.approx(0.4))]
    assert all(hit.matched_patches == [] for hit in without) and hits[1].matched_patches == []


def test_async_client_pages_and_matches(server):
    async def run():
        async with multiembed.AsyncClient("127.0.0.1", server.port) as client:
            result = await client.embed_result(pages=[multiembed.Page(pdf=b"%PDF", page_number=1)])
            hits = await client.search("docs", "revenue", include_matches=True)
            return result, hits

    result, hits = asyncio.run(run())
    assert result.page_texts[0].source == "pdf"
    assert sent(server, "embed")[0].inputs[0].page.page_number == 1
    assert sent(server, "search")[0].include_matches is True
    assert len(hits[0].matches) == 2


def test_include_patches_is_sent_and_the_patch_layout_comes_back(fake_server):
    def answer(conn, request: envelope_pb2.Request) -> None:
        response = envelope_pb2.Response(id=request.id, embed=embed_pb2.EmbedResponse(model="fake"))
        for index, item in enumerate(request.embed.inputs):
            embedding = response.embed.embeddings.add(index=index)
            embedding.pooled.dimension = DIM
            embedding.pooled.data = np.full(DIM, index, "<f4").tobytes()
            embedding.page_text.CopyFrom(PAGE_TEXT)
            if item.page.include_patches:
                embedding.page_text.patches.CopyFrom(pages_pb2.PagePatches(
                    vectors=17, leading=1, rows=4, columns=4, x=0, y=30, width=90, height=90))
        conn.send(response)

    server = fake_server(answer)
    with multiembed.Client("127.0.0.1", server.port) as client:
        result = client.embed_result(pages=[multiembed.Page(pdf=b"%PDF", include_patches=True), multiembed.Page(pdf=b"%PDF")])
    (request,) = sent(server, "embed")
    assert [i.page.include_patches for i in request.inputs] == [True, False]
    assert result.page_texts[0].patches == multiembed.PagePatches(17, 1, 4, 4, 0, 30, 90, 90)
    assert result.page_texts[1].patches is None
