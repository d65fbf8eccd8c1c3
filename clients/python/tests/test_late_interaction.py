"""Late interaction (collections, upsert, get, delete, search, score) through the sync and asyncio
clients, against a fake server that keeps collections in memory and scores by MaxSim."""

import asyncio
import threading
from pathlib import Path

import numpy as np
import pytest

import multiembed
from multiembed import AsyncClient, Client, StatusCode
from multiembed.v1 import collections_pb2, envelope_pb2, status_pb2

from conftest import TOKEN_DIM, input_key, make_info, token_vectors


def maxsim(query: np.ndarray, document: np.ndarray) -> float:
    return float((query @ document.T).max(axis=1).sum(dtype=np.float32))


class FakeStore:
    """The late-interaction half of a server: answers every collections.proto request."""

    def __init__(self):
        self.collections = {}  # name -> (CollectionInfo, {id: (vectors, metadata)})
        self.lock = threading.Lock()

    def __call__(self, conn, request):
        kind = request.WhichOneof("body")
        with self.lock:
            try:
                body = getattr(self, kind)(getattr(request, kind))
            except KeyError as missing:
                conn.send(envelope_pb2.Response(id=request.id, status=status_pb2.Status(
                    code=status_pb2.NOT_FOUND, message=f"no collection {missing}")))
                return
            except StoreError as error:
                conn.send(envelope_pb2.Response(id=request.id, status=error.status))
                return
            except ValueError as error:  # mismatched shapes, as a server would refuse them
                conn.send(envelope_pb2.Response(id=request.id, status=status_pb2.Status(
                    code=status_pb2.INVALID_ARGUMENT, message=str(error))))
                return
        conn.send(envelope_pb2.Response(id=request.id, **{kind: body}))

    @staticmethod
    def vectors(source, index=0):
        if source.WhichOneof("kind") == "document_id":   # Upsert and Search refuse stored ids
            status = status_pb2.Status(code=status_pb2.INVALID_ARGUMENT, message="document_id is for Score only")
            status.input_errors.add(index=index, code=status_pb2.INVALID_ARGUMENT, message="document_id")
            raise StoreError(status)
        if source.WhichOneof("kind") == "input":
            return token_vectors(input_key(source.input))
        mv = source.vectors
        rows = np.frombuffer(mv.data, "<f4").reshape(mv.count, mv.dimension)
        if not np.isfinite(rows).all():
            status = status_pb2.Status(code=status_pb2.INVALID_ARGUMENT, message="vectors are not finite")
            status.input_errors.add(index=index, code=status_pb2.INVALID_ARGUMENT, message="NaN")
            raise StoreError(status)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def create_collection(self, req):
        if req.name in self.collections:
            raise StoreError(status_pb2.Status(code=status_pb2.ALREADY_EXISTS, message=f"{req.name} exists"))
        info = collections_pb2.CollectionInfo(name=req.name, dimension=req.dimension or TOKEN_DIM,
                                              precision=req.precision, pool_factor=req.pool_factor or 1,
                                              max_vectors=req.max_vectors, model="" if req.vectors_only else "fake")
        self.collections[req.name] = (info, {})
        return collections_pb2.CreateCollectionResponse(collection=info)

    def list_collections(self, req):
        body = collections_pb2.ListCollectionsResponse()
        for name in sorted(self.collections):
            info, docs = self.collections[name]
            body.collections.add().CopyFrom(info)
            body.collections[-1].document_count = len(docs)
        return body

    def drop_collection(self, req):
        del self.collections[req.name]
        return collections_pb2.DropCollectionResponse()

    def upsert(self, req):
        _, docs = self.collections[req.collection]
        rows = [self.vectors(d.content, i) for i, d in enumerate(req.documents)]
        for document, vectors in zip(req.documents, rows):
            docs[document.id] = (vectors, dict(document.metadata))
        return collections_pb2.UpsertResponse(upserted=len(req.documents))

    def delete(self, req):
        _, docs = self.collections[req.collection]
        return collections_pb2.DeleteResponse(deleted=sum(docs.pop(i, None) is not None for i in req.ids))

    def get(self, req):
        _, docs = self.collections[req.collection]
        body = collections_pb2.GetResponse()
        for doc_id in req.ids:
            if doc_id in docs:
                vectors, metadata = docs[doc_id]
                document = body.documents.add(id=doc_id, metadata=metadata)
                if req.include_vectors:
                    document.content.vectors.count, document.content.vectors.dimension = vectors.shape
                    document.content.vectors.data = vectors.astype("<f4").tobytes()
        return body

    def search(self, req):
        _, docs = self.collections[req.collection]
        query = self.vectors(req.query)
        candidates = [i for i in docs if not req.filter_ids or i in req.filter_ids]
        scored = sorted(((-maxsim(query, docs[i][0]), i) for i in candidates))[:req.top_k]
        body = collections_pb2.SearchResponse()
        body.usage.tokens = len(query)
        for negative, doc_id in scored:
            body.hits.add(id=doc_id, score=-negative, metadata=docs[doc_id][1])
        return body

    def score(self, req):
        """Stored ids are read from req.collection, as the server does: NOT_FOUND per missing
        document id (with an InputError), for a missing query id without one."""
        ids = [s.document_id for s in [req.query, *req.documents] if s.WhichOneof("kind") == "document_id"]
        if ids and not req.collection:
            raise StoreError(status_pb2.Status(code=status_pb2.INVALID_ARGUMENT, message="document_id needs collection"))
        stored = self.collections[req.collection][1] if req.collection else {}

        def resolve(source, index):
            if source.WhichOneof("kind") == "document_id":
                return stored[source.document_id][0] if source.document_id in stored else None
            return self.vectors(source, index)

        query = resolve(req.query, 0)
        if query is None:
            raise StoreError(status_pb2.Status(code=status_pb2.NOT_FOUND, message=f"query: no {req.query.document_id}"))
        documents = [resolve(d, i) for i, d in enumerate(req.documents)]
        if any(d is None for d in documents):
            status = status_pb2.Status(code=status_pb2.NOT_FOUND, message="missing ids")
            for index, (source, vectors) in enumerate(zip(req.documents, documents)):
                if vectors is None:
                    status.input_errors.add(index=index, code=status_pb2.NOT_FOUND, message=f"no {source.document_id}")
            raise StoreError(status)
        body = collections_pb2.ScoreResponse()
        body.scores.extend(maxsim(query, d) for d in documents)
        body.usage.tokens = len(query)
        return body


class StoreError(Exception):
    def __init__(self, status):
        self.status = status


def requests_of(server, kind):
    return [getattr(r, kind) for r in server.requests if r.WhichOneof("body") == kind]


@pytest.fixture
def store_server(fake_server):
    def start(max_inputs=0):
        return fake_server(FakeStore(), info=make_info(max_inputs=max_inputs))
    return start


# -- collections ----------------------------------------------------------------------------------

def test_create_list_drop(store_server):
    server = store_server()
    with Client(port=server.port) as client:
        created = client.create_collection("pages", precision="int8", pool_factor=2, max_vectors=64)
        assert created == multiembed.CollectionInfo("pages", TOKEN_DIM, multiembed.Precision.INT8, 2, 64, "fake", 0)
        client.create_collection("vectors", dimension=3, vectors_only=True)
        with pytest.raises(multiembed.AlreadyExists):
            client.create_collection("pages")
        assert [c.name for c in client.list_collections()] == ["pages", "vectors"]
        client.drop_collection("pages")
        assert [c.name for c in client.list_collections()] == ["vectors"]
        with pytest.raises(multiembed.NotFound):
            client.drop_collection("pages")
    first = requests_of(server, "create_collection")[0]
    assert (first.name, first.precision, first.pool_factor, first.max_vectors) == ("pages", 2, 2, 64)
    assert first.model == "" and not first.vectors_only and first.dimension == 0


def test_create_collection_refuses_bad_options_before_sending(store_server):
    server = store_server()
    with Client(port=server.port) as client:
        for kwargs in ({"precision": "float64"}, {"pool_factor": 0}, {"vectors_only": True},
                       {"max_vectors": -1}, {"vectors_only": True, "dimension": 4, "model": "fake"}):
            with pytest.raises(multiembed.InvalidArgument):
                client.create_collection("c", **kwargs)
        with pytest.raises(multiembed.InvalidArgument):
            client.create_collection("")
    assert requests_of(server, "create_collection") == []


# -- documents ------------------------------------------------------------------------------------

def test_upsert_every_kind_of_document_and_get_them_back(store_server, tmp_path):
    server = store_server()
    png = tmp_path / "page.png"
    png.write_bytes(b"\x89PNG fake page")
    vectors = np.array([[3.0, 0, 0, 4.0], [0, 1.0, 0, 0]], dtype=np.float32)
    grid = multiembed.PatchGrid(np.zeros(2 * 2 * 3 * 2 * 2, np.float32), rows=2, cols=2, patch_size=2)
    with Client(port=server.port) as client:
        client.create_collection("docs")
        result = client.upsert("docs", ids=["text", "path", "bytes", "grid", "array", "lists"],
                               documents=["two words", png, b"raw bytes", grid, vectors, vectors.tolist()],
                               metadata=[{"kind": "text"}, None, None, None, {"kind": "array"}, None],
                               prompt_name="document", truncate="start")
        assert result.upserted == 6
        got = client.get("docs", ["array", "missing", "text"], include_vectors=True)
        without = client.get("docs", ["text"])
    kinds = [d.content.WhichOneof("kind") for d in requests_of(server, "upsert")[0].documents]
    assert kinds == ["input"] * 4 + ["vectors"] * 2
    sent = requests_of(server, "upsert")[0]
    assert sent.documents[1].content.input.image.name == "page.png"
    assert sent.documents[3].content.input.WhichOneof("kind") == "patches"
    assert sent.WhichOneof("prompt") == "prompt_name" and sent.truncate == 1
    assert [d.id for d in got] == ["array", "text"]
    assert got[0].metadata == {"kind": "array"}
    np.testing.assert_allclose(got[0].vectors, [[0.6, 0, 0, 0.8], [0, 1, 0, 0]], rtol=1e-6)
    np.testing.assert_array_equal(got[1].vectors, token_vectors("two words"))
    assert without[0].vectors is None and without[0].metadata == {"kind": "text"}


@pytest.mark.parametrize("ids, documents, metadata, error", [
    (["a", "b"], ["only one"], None, multiembed.InvalidArgument),
    ([], [], None, multiembed.InvalidArgument),
    (["a", "a"], ["x", "y"], None, multiembed.InvalidArgument),
    ("ab", ["x", "y"], None, TypeError),
    (["a"], "x", None, TypeError),
    (["a"], [np.zeros(4, np.float32)], None, multiembed.InvalidArgument),  # one vector, not (1, d)
    (["a"], [np.zeros((0, 4), np.float32)], None, multiembed.InvalidArgument),
    (["a"], [{"text": "x"}], None, TypeError),
    (["a"], [[["not", "numbers"]]], None, multiembed.InvalidArgument),
    (["a"], [[[1.0, 2.0], [3.0]]], None, multiembed.InvalidArgument),  # ragged rows
    (["a"], ["x"], [{"page": 3}], TypeError),
    (["a"], ["x"], {"page": "3"}, multiembed.InvalidArgument),
])
def test_upsert_refuses_bad_input_before_sending(store_server, ids, documents, metadata, error):
    server = store_server()
    with Client(port=server.port) as client:
        with pytest.raises(error):
            client.upsert("docs", ids, documents, metadata=metadata)
    assert requests_of(server, "upsert") == []


def test_repeated_ids_are_reported_by_index(store_server):
    with Client(port=store_server().port) as client:
        with pytest.raises(multiembed.InvalidArgument) as caught:
            client.upsert("docs", ["a", "b", "a"], ["x", "y", "z"])
    assert [e.index for e in caught.value.input_errors] == [2]


def test_large_calls_are_split_and_errors_keep_the_callers_indexes(store_server):
    server = store_server(max_inputs=2)
    ids = [f"d{i}" for i in range(5)]
    with Client(port=server.port) as client:
        client.create_collection("docs")
        assert client.upsert("docs", ids, [f"text {i}" for i in range(5)]).upserted == 5
        assert [d.id for d in client.get("docs", ids[::-1])] == ids[::-1]
        bad = [np.ones((1, TOKEN_DIM), np.float32)] * 3 + [np.full((1, TOKEN_DIM), np.nan, np.float32)]
        with pytest.raises(multiembed.InvalidArgument) as caught:
            client.upsert("docs", ["n0", "n1", "n2", "n3"], bad)
        assert client.delete("docs", ids + ["never"]) == 5
        scores = client.score("q", [f"text {i}" for i in range(5)])
    assert [len(r.documents) for r in requests_of(server, "upsert")] == [2, 2, 1, 2, 2]
    assert [e.index for e in caught.value.input_errors] == [3]
    assert [len(r.ids) for r in requests_of(server, "delete")] == [2, 2, 2]
    assert [len(r.documents) for r in requests_of(server, "score")] == [2, 2, 1]
    expected = [maxsim(token_vectors("q"), token_vectors(f"text {i}")) for i in range(5)]
    np.testing.assert_allclose(scores.scores, expected, rtol=1e-6)


def test_delete_and_get_of_an_unknown_collection(store_server):
    with Client(port=store_server().port) as client:
        with pytest.raises(multiembed.NotFound):
            client.delete("nowhere", [])
        with pytest.raises(multiembed.NotFound):
            client.get("nowhere", ["a"])


# -- search and score ---------------------------------------------------------------------------

def test_search_ranks_by_maxsim_with_metadata_and_filters(store_server):
    server = store_server()
    texts = {"cat": "a cat on a mat", "dog": "a dog", "fish": "fish swim", "bird": "birds fly high"}
    with Client(port=server.port) as client:
        client.create_collection("animals")
        client.upsert("animals", list(texts), list(texts.values()), metadata=[{"name": k} for k in texts])
        hits = client.search("animals", "a cat", top_k=3, instruction="query: ")
        filtered = client.search("animals", "a cat", filter_ids=["fish", "bird"])
        by_vectors = client.search("animals", token_vectors("a cat"), top_k=1)
    query = token_vectors("a cat")
    ranked = sorted(texts, key=lambda k: (-maxsim(query, token_vectors(texts[k])), k))
    assert hits.ids == ranked[:3] and len(hits) == 3
    assert hits[0].metadata == {"name": hits[0].id}
    np.testing.assert_allclose(hits.scores, [maxsim(query, token_vectors(texts[k])) for k in ranked[:3]], rtol=1e-6)
    assert hits.scores.dtype == np.float32 and hits.usage.tokens == 2
    assert sorted(filtered.ids) == ["bird", "fish"]
    assert by_vectors.ids == ranked[:1]
    sent = requests_of(server, "search")
    assert sent[0].top_k == 3 and sent[0].instruction == "query: " and sent[1].top_k == 10
    assert sent[1].WhichOneof("prompt") is None and list(sent[1].filter_ids) == ["fish", "bird"]
    assert sent[2].query.WhichOneof("kind") == "vectors"


@pytest.mark.parametrize("kwargs", [{"top_k": 0}, {"top_k": -3}, {"prompt_name": "q", "instruction": "q"},
                                    {"truncate": "middle"}])
def test_search_refuses_bad_options(store_server, kwargs):
    server = store_server()
    with Client(port=server.port) as client:
        with pytest.raises(multiembed.InvalidArgument):
            client.search("animals", "a cat", **kwargs)
    assert requests_of(server, "search") == []


def test_score_options_reach_the_wire(store_server):
    server = store_server()
    with Client(port=server.port) as client:
        result = client.score("a query", ["doc one", np.eye(TOKEN_DIM, dtype=np.float32)], model="fake",
                              query_prompt_name="query", document_instruction="", truncate="error", deadline=2)
        with pytest.raises(multiembed.InvalidArgument):
            client.score("q", [])
        with pytest.raises(multiembed.InvalidArgument):
            client.score("q", ["d"], document_prompt_name="a", document_instruction="b")
    assert result.scores.shape == (2,) and result.scores.dtype == np.float32
    assert result.scores[1] == pytest.approx(float(token_vectors("a query").max(axis=1).sum()), rel=1e-6)
    (sent,) = requests_of(server, "score")
    assert sent.model == "fake" and sent.query_prompt_name == "query"
    assert sent.WhichOneof("document_prompt") == "document_instruction" and sent.document_instruction == ""
    assert sent.truncate == 2
    assert [r.deadline_ms for r in server.requests if r.WhichOneof("body") == "score"] == [2000]


def test_score_with_stored_ids_mixed_with_texts_and_vectors(store_server):
    server = store_server(max_inputs=2)
    stored = np.eye(TOKEN_DIM, dtype=np.float32)[:2]
    with Client(port=server.port) as client:
        client.create_collection("docs")
        client.upsert("docs", ids=["a", "b"], documents=[stored, "words here"])
        result = client.score("a query", [multiembed.StoredId("b"), stored, multiembed.StoredId("a")],
                              collection="docs")
        from_stored_query = client.score(multiembed.StoredId("a"), ["x"], collection="docs")
    query = token_vectors("a query")
    expected = [maxsim(query, token_vectors("words here")), maxsim(query, stored), maxsim(query, stored)]
    np.testing.assert_allclose(result.scores, expected, rtol=1e-6)
    assert from_stored_query.scores[0] == pytest.approx(maxsim(stored, token_vectors("x")), rel=1e-6)
    first, second, single = requests_of(server, "score")   # max_inputs=2: the call went as two requests
    assert [d.WhichOneof("kind") for d in first.documents] == ["document_id", "vectors"]
    assert first.documents[0].document_id == "b" and second.documents[0].document_id == "a"
    assert first.collection == second.collection == single.collection == "docs"
    assert single.query.document_id == "a"


def test_score_missing_stored_ids_are_not_found_indexed_in_the_callers_list(store_server):
    server = store_server(max_inputs=2)
    with Client(port=server.port) as client:
        client.create_collection("docs")
        client.upsert("docs", ids=["a"], documents=["text"])
        with pytest.raises(multiembed.NotFound) as caught:
            client.score("q", [multiembed.StoredId("a"), "d", multiembed.StoredId("nope")], collection="docs")
        assert [e.index for e in caught.value.input_errors] == [2]   # shifted back from the second request
        with pytest.raises(multiembed.NotFound):
            client.score(multiembed.StoredId("nope"), ["d"], collection="docs")
        with pytest.raises(multiembed.InvalidArgument):
            client.score("q", [multiembed.StoredId("a")])            # no collection
    # Without stored ids, the collection is simply not sent.
    assert all(r.collection in ("docs", "") for r in requests_of(server, "score"))


def test_stored_id_is_a_marker_for_str_ids_only_and_search_sends_it_as_is(store_server):
    with pytest.raises(TypeError, match="StoredId"):
        multiembed.StoredId(3)
    assert multiembed.StoredId("p1") == multiembed.StoredId("p1")
    server = store_server()
    with Client(port=server.port) as client:
        client.create_collection("docs")
        with pytest.raises(TypeError, match="collection"):
            client.score("q", ["d"], collection=5)
        with pytest.raises(multiembed.InvalidArgument):
            client.search("docs", multiembed.StoredId("p1"))          # the server judges it
    (search,) = requests_of(server, "search")
    assert search.query.document_id == "p1"


def test_a_response_of_the_wrong_kind_is_a_protocol_error(fake_server):
    server = fake_server(lambda conn, req: conn.send(envelope_pb2.Response(
        id=req.id, delete=collections_pb2.DeleteResponse(deleted=1))))
    with Client(port=server.port) as client:
        with pytest.raises(multiembed.ProtocolError, match="search"):
            client.search("c", "q")


def test_an_unknown_precision_from_the_server_is_a_protocol_error(fake_server):
    server = fake_server(lambda conn, req: conn.send(envelope_pb2.Response(
        id=req.id, list_collections=collections_pb2.ListCollectionsResponse(
            collections=[collections_pb2.CollectionInfo(name="c", precision=9)]))))
    with Client(port=server.port) as client:
        with pytest.raises(multiembed.ProtocolError, match="precision 9"):
            client.list_collections()


# -- asyncio ----------------------------------------------------------------------------------------

def test_async_client_late_interaction(store_server):
    server = store_server(max_inputs=2)

    async def main():
        async with AsyncClient(port=server.port) as client:
            await client.create_collection("docs")
            upserted = await client.upsert("docs", ["a", "b", "c"], ["one", "two words", "three little words"],
                                           metadata=[{"n": "1"}, {"n": "2"}, {"n": "3"}])
            hits, scores = await asyncio.gather(client.search("docs", "two words", top_k=2),
                                                client.score("two words", ["one", "two words"]))
            stored = await client.score("two words", [multiembed.StoredId("a"), multiembed.StoredId("b")],
                                        collection="docs")
            assert list(stored.scores) == list(scores.scores)
            got = await client.get("docs", ["c"])
            deleted = await client.delete("docs", ["a", "zzz"])
            names = [c.name for c in await client.list_collections()]
            with pytest.raises(multiembed.InvalidArgument) as caught:
                await client.upsert("docs", ["x", "y", "z"], ["ok", "ok", np.full((1, 4), np.nan, np.float32)])
            await client.drop_collection("docs")
            return upserted, hits, scores, got, deleted, names, caught.value

    upserted, hits, scores, got, deleted, names, error = asyncio.run(main())
    assert upserted.upserted == 3
    assert hits.ids[0] == "b" and hits[0].metadata == {"n": "2"}
    assert scores.scores[1] == pytest.approx(2.0) and scores.scores[1] > scores.scores[0]
    assert got[0].metadata == {"n": "3"} and deleted == 1 and names == ["docs"]
    assert [e.index for e in error.input_errors] == [2] and error.code == StatusCode.INVALID_ARGUMENT


def test_path_strings_are_texts_and_paths_are_images(tmp_path):
    from multiembed.late_interaction import source_of
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG")
    assert source_of(str(image)).input.text == str(image)
    assert source_of(Path(image)).input.image.data == b"\x89PNG"
