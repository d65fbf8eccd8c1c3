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

from conftest import DIM, TOKEN_DIM, input_key, make_info, text_vector, token_vectors


def maxsim(query: np.ndarray, document: np.ndarray) -> float:
    return float((query @ document.T).max(axis=1).sum(dtype=np.float32))


class FakeStore:
    """The late-interaction half of a server: answers every collections.proto request. An input
    document keeps the fake model's token vectors and its pooled vector (text_vector), as the
    server keeps both; dense collections hold the pooled vector alone."""

    def __init__(self):
        self.collections = {}  # name -> (CollectionInfo, {id: (vectors or None, metadata, pooled or None)})
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
        dense = req.kind == collections_pb2.COLLECTION_KIND_DENSE
        if dense and (req.precision or req.pool_factor or req.max_vectors):
            raise StoreError(status_pb2.Status(code=status_pb2.INVALID_ARGUMENT, message="dense: no precision or pooling"))
        info = collections_pb2.CollectionInfo(name=req.name, dimension=req.dimension or (DIM if dense else TOKEN_DIM),
                                              precision=req.precision, pool_factor=req.pool_factor or 1,
                                              max_vectors=req.max_vectors, model="" if req.vectors_only else "fake",
                                              kind=req.kind)
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

    @staticmethod
    def fail(code, index, message):
        status = status_pb2.Status(code=code, message=message)
        status.input_errors.add(index=index, code=code, message=message)
        raise StoreError(status)

    def stored(self, info, document, index):
        """(vectors, pooled) of an upserted document, as the server would keep them."""
        dense = info.kind == collections_pb2.COLLECTION_KIND_DENSE
        content = document.content.WhichOneof("kind") if document.HasField("content") else None
        pooled = np.array(document.pooled, dtype=np.float32) if len(document.pooled) else None
        if pooled is not None and len(pooled) != info.dimension:
            self.fail(status_pb2.FAILED_PRECONDITION, index, f"a pooled vector of {len(pooled)} values")
        if dense:
            if content == "vectors" or (content and pooled is not None) or (not content and pooled is None):
                self.fail(status_pb2.INVALID_ARGUMENT, index, "a dense document is an input or a pooled vector")
            return None, pooled if pooled is not None else text_vector(input_key(document.content.input), info.dimension)
        if content is None:
            self.fail(status_pb2.INVALID_ARGUMENT, index, "a multi-vector document needs content")
        vectors = self.vectors(document.content, index)
        if pooled is None and content == "input":
            pooled = text_vector(input_key(document.content.input), info.dimension)
        return vectors, pooled

    def upsert(self, req):
        info, docs = self.collections[req.collection]
        rows = [self.stored(info, d, i) for i, d in enumerate(req.documents)]
        for document, (vectors, pooled) in zip(req.documents, rows):
            docs[document.id] = (vectors, dict(document.metadata), pooled)
        return collections_pb2.UpsertResponse(upserted=len(req.documents))

    def delete(self, req):
        _, docs = self.collections[req.collection]
        return collections_pb2.DeleteResponse(deleted=sum(docs.pop(i, None) is not None for i in req.ids))

    def get(self, req):
        _, docs = self.collections[req.collection]
        body = collections_pb2.GetResponse()
        for doc_id in req.ids:
            if doc_id in docs:
                vectors, metadata, pooled = docs[doc_id]
                document = body.documents.add(id=doc_id, metadata=metadata)
                if req.include_vectors and vectors is not None:
                    document.content.vectors.count, document.content.vectors.dimension = vectors.shape
                    document.content.vectors.data = vectors.astype("<f4").tobytes()
                if req.include_vectors and pooled is not None:
                    document.pooled.extend(pooled.tolist())
        return body

    def search(self, req):
        info, docs = self.collections[req.collection]
        dense = info.kind == collections_pb2.COLLECTION_KIND_DENSE
        mode = req.mode or (collections_pb2.SEARCH_MODE_DENSE if dense else collections_pb2.SEARCH_MODE_MAXSIM)
        if dense and mode != collections_pb2.SEARCH_MODE_DENSE:
            raise StoreError(status_pb2.Status(code=status_pb2.INVALID_ARGUMENT, message="a dense collection"))
        wanted = dict(req.filter_metadata)
        candidates = [i for i in sorted(docs) if (not req.filter_ids or i in req.filter_ids)
                      and all(docs[i][1].get(k) == v for k, v in wanted.items())]
        body = collections_pb2.SearchResponse()
        if mode != collections_pb2.SEARCH_MODE_MAXSIM:   # the dense side: rank by pooled vectors
            if any(docs[i][2] is None for i in docs):
                raise StoreError(status_pb2.Status(code=status_pb2.FAILED_PRECONDITION, message="no pooled vector"))
            if len(req.query_pooled):
                query = np.array(req.query_pooled, dtype=np.float32)
            elif req.HasField("query") and req.query.WhichOneof("kind") == "input":
                query = text_vector(input_key(req.query.input), info.dimension)
            else:
                raise StoreError(status_pb2.Status(code=status_pb2.INVALID_ARGUMENT, message="no pooled query"))
            query = query / np.linalg.norm(query)
            metric = np.dot if req.metric == collections_pb2.METRIC_DOT else (
                lambda q, d: float(q @ d) / float(np.linalg.norm(d)))
            scored = sorted((-float(metric(query, docs[i][2])), i) for i in candidates)
            if mode == collections_pb2.SEARCH_MODE_DENSE:
                for negative, doc_id in scored[:req.top_k]:
                    body.hits.add(id=doc_id, score=-negative, metadata=docs[doc_id][1])
                return body
            candidates = [i for _, i in scored[:max(req.candidates or 100, req.top_k)]]
        query = self.vectors(req.query)
        scored = sorted(((-maxsim(query, docs[i][0]), i) for i in candidates))[:req.top_k]
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


# -- dense collections, pooled vectors, search modes -----------------------------------------------

def test_create_a_dense_collection(store_server):
    server = store_server()
    with Client(port=server.port) as client:
        dense = client.create_collection("dense", kind="dense")
        also = client.create_collection("dense2", kind=multiembed.CollectionKind.DENSE, dimension=3, precision="float32")
        multi = client.create_collection("multi", kind="MULTI_VECTOR")
        listed = {c.name: c.kind for c in client.list_collections()}
    assert dense == multiembed.CollectionInfo("dense", DIM, multiembed.Precision.FLOAT32, 1, 0, "fake", 0,
                                              multiembed.CollectionKind.DENSE)
    assert also.kind is multiembed.CollectionKind.DENSE and also.dimension == 3
    assert multi.kind is multiembed.CollectionKind.MULTI_VECTOR
    assert listed == {"dense": "dense", "dense2": "dense", "multi": "multi_vector"}
    first, second, third = requests_of(server, "create_collection")
    assert first.kind == collections_pb2.COLLECTION_KIND_DENSE
    # Nothing a dense collection refuses: no precision, and pool_factor 1 ("none") left unset.
    assert (first.precision, first.pool_factor, first.max_vectors, first.dimension) == (0, 0, 0, 0)
    assert second.kind == collections_pb2.COLLECTION_KIND_DENSE and second.dimension == 3
    assert third.kind == collections_pb2.COLLECTION_KIND_MULTI_VECTOR and third.pool_factor == 1


@pytest.mark.parametrize("kwargs", [{"kind": "sparse"}, {"kind": 1}, {"kind": "dense", "precision": "int8"},
                                    {"kind": "dense", "pool_factor": 2}, {"kind": "dense", "max_vectors": 8}])
def test_create_collection_refuses_bad_kinds_before_sending(store_server, kwargs):
    server = store_server()
    with Client(port=server.port) as client:
        with pytest.raises(multiembed.InvalidArgument):
            client.create_collection("c", **kwargs)
    assert requests_of(server, "create_collection") == []


def test_an_unknown_kind_from_the_server_is_a_protocol_error(fake_server):
    server = fake_server(lambda conn, req: conn.send(envelope_pb2.Response(
        id=req.id, list_collections=collections_pb2.ListCollectionsResponse(
            collections=[collections_pb2.CollectionInfo(name="c", kind=7)]))))
    with Client(port=server.port) as client:
        with pytest.raises(multiembed.ProtocolError, match="kind 7"):
            client.list_collections()


def test_upsert_pooled_vectors_alone_or_beside_sources(store_server):
    server = store_server()
    given = np.array([0.5, -1.25, 3.0, 0.1, 2.0, -0.75, 1e-3, 7.0], dtype=np.float32)
    with Client(port=server.port) as client:
        client.create_collection("dense", kind="dense")
        client.upsert("dense", ["text", "given", "list"], ["a text", None, None],
                      metadata=[{"k": "t"}, {"k": "g"}, None], pooled=[None, given, given.tolist()])
        client.upsert("dense", ["rows0", "rows1"], pooled=np.stack([given, -given]))   # no documents at all
        client.create_collection("multi")
        client.upsert("multi", ["both", "input", "bare"], ["two words", "one", np.eye(TOKEN_DIM, dtype=np.float32)[:2]],
                      pooled=[[1.0, 2.0, 3.0, 4.0], None, None])
        dense = client.get("dense", ["given", "text", "rows1"], include_vectors=True)
        multi = client.get("multi", ["both", "input", "bare"], include_vectors=True)
        without = client.get("dense", ["given"])
    first, second, third = requests_of(server, "upsert")
    assert [d.HasField("content") for d in first.documents] == [True, False, False]
    assert first.documents[0].content.input.text == "a text" and list(first.documents[0].pooled) == []
    # The exact float32 values, whether given as an array or as a list of floats.
    for document in first.documents[1:]:
        np.testing.assert_array_equal(np.array(document.pooled, np.float32), given)
    assert dict(first.documents[1].metadata) == {"k": "g"} and dict(first.documents[2].metadata) == {}
    assert [len(d.pooled) for d in second.documents] == [DIM, DIM] and not second.documents[0].HasField("content")
    np.testing.assert_array_equal(np.array(second.documents[1].pooled, np.float32), -given)
    assert list(third.documents[0].pooled) == [1.0, 2.0, 3.0, 4.0] and third.documents[0].content.input.text == "two words"
    assert [len(d.pooled) for d in third.documents[1:]] == [0, 0]

    assert [d.id for d in dense] == ["given", "text", "rows1"]
    assert dense[0].pooled.dtype == np.float32 and dense[0].vectors is None
    np.testing.assert_array_equal(dense[0].pooled, given)
    np.testing.assert_array_equal(dense[1].pooled, text_vector("a text", DIM))
    np.testing.assert_array_equal(dense[2].pooled, -given)
    np.testing.assert_array_equal(multi[0].pooled, [1, 2, 3, 4])
    np.testing.assert_array_equal(multi[0].vectors, token_vectors("two words"))
    np.testing.assert_array_equal(multi[1].pooled, text_vector("one", TOKEN_DIM))
    assert multi[2].pooled is None and multi[2].vectors.shape == (2, TOKEN_DIM)
    assert without[0].pooled is None and without[0].vectors is None and without[0].metadata == {"k": "g"}


@pytest.mark.parametrize("ids, documents, pooled, error, bad", [
    (["a"], None, None, multiembed.InvalidArgument, [0]),                      # neither source nor pooled
    (["a", "b"], ["x", None], None, multiembed.InvalidArgument, [1]),
    (["a", "b"], None, [[1.0], None], multiembed.InvalidArgument, [1]),
    (["a", "b"], None, [[1.0]], multiembed.InvalidArgument, None),             # one pooled vector for two ids
    (["a"], None, [[]], multiembed.InvalidArgument, None),                    # empty reads as "none" on the wire
    (["a"], None, [[[1.0, 2.0]]], multiembed.InvalidArgument, None),          # a 2-D pooled vector
    (["a"], None, [["x"]], multiembed.InvalidArgument, None),
    (["a"], None, np.ones(4, np.float32), TypeError, None),                   # one vector: whose?
    (["a"], None, "1.0", TypeError, None),
])
def test_upsert_refuses_bad_pooled_vectors_before_sending(store_server, ids, documents, pooled, error, bad):
    server = store_server()
    with Client(port=server.port) as client:
        with pytest.raises(error) as caught:
            client.upsert("docs", ids, documents, pooled=pooled)
    if bad is not None:
        assert [e.index for e in caught.value.input_errors] == bad
    assert requests_of(server, "upsert") == []


def test_pooled_vectors_the_server_refuses_keep_the_callers_indexes(store_server):
    server = store_server(max_inputs=2)
    with Client(port=server.port) as client:
        client.create_collection("dense", kind="dense")
        with pytest.raises(multiembed.FailedPrecondition) as wrong_length:
            client.upsert("dense", ["a", "b", "c"], pooled=[np.ones(DIM), np.ones(DIM), np.ones(DIM + 1)])
        with pytest.raises(multiembed.InvalidArgument) as vectors:
            client.upsert("dense", ["d"], [np.ones((1, DIM), np.float32)])
    assert [(e.index, e.code) for e in wrong_length.value.input_errors] == [(2, StatusCode.FAILED_PRECONDITION)]
    assert [e.index for e in vectors.value.input_errors] == [0]


DENSE_TEXTS = {"cat": "a cat on a mat", "dog": "a dog", "fish": "fish swim", "bird": "birds fly high"}


def cosine(a, b):
    return float(a @ b) / float(np.linalg.norm(a) * np.linalg.norm(b))


def test_search_options_reach_the_wire(store_server):
    server = store_server()
    query_pooled = np.array([1.5, 0, -2, 0.25, 0, 0, 0, 1], dtype=np.float32)
    with Client(port=server.port) as client:
        client.create_collection("dense", kind="dense")
        client.upsert("dense", list(DENSE_TEXTS), list(DENSE_TEXTS.values()))
        client.search("dense", "a cat")
        client.search("dense", "a cat", mode="dense", metric="dot", candidates=7, filter_metadata={"k": "v", "n": "1"},
                      filter_ids=["cat"], top_k=2)
        client.search("dense", query_pooled=query_pooled, mode=multiembed.SearchMode.DENSE,
                      metric=multiembed.Metric.COSINE)
        client.search("dense", query_pooled=query_pooled.tolist())
    plain, full, pooled_enum, pooled_list = requests_of(server, "search")
    assert (plain.mode, plain.metric, plain.candidates) == (0, 0, 0)
    assert dict(plain.filter_metadata) == {} and list(plain.query_pooled) == [] and plain.query.input.text == "a cat"
    assert (full.mode, full.metric, full.candidates, full.top_k) == (
        collections_pb2.SEARCH_MODE_DENSE, collections_pb2.METRIC_DOT, 7, 2)
    assert dict(full.filter_metadata) == {"k": "v", "n": "1"} and list(full.filter_ids) == ["cat"]
    for sent in (pooled_enum, pooled_list):
        assert not sent.HasField("query")   # unset, not an empty source
        np.testing.assert_array_equal(np.array(sent.query_pooled, np.float32), query_pooled)
    assert pooled_enum.mode == collections_pb2.SEARCH_MODE_DENSE and pooled_list.mode == 0


def test_dense_search_ranks_by_cosine_or_dot_and_filters_metadata(store_server):
    server = store_server()
    # Not normalised: cosine 0.25 with the query ranks it below the best texts, its dot product 2.5 first.
    query = text_vector("a cat", DIM)
    other = text_vector("anything else", DIM)
    other = (other - (other @ query) * query) / np.linalg.norm(other - (other @ query) * query)
    big = (10 * (0.25 * query + np.sqrt(1 - 0.25 ** 2) * other)).astype(np.float32)
    metadata = [{"legs": "4"}, {"legs": "4"}, {"legs": "0"}, {"legs": "2"}, {"legs": "0"}]
    with Client(port=server.port) as client:
        client.create_collection("dense", kind="dense")
        client.upsert("dense", list(DENSE_TEXTS) + ["big"], list(DENSE_TEXTS.values()) + [None],
                      metadata=metadata, pooled=[None] * 4 + [big])
        by_cosine = client.search("dense", "a cat", top_k=5)
        by_dot = client.search("dense", "a cat", top_k=5, metric="dot")
        legged = client.search("dense", "a cat", filter_metadata={"legs": "4"})
        both = client.search("dense", "a cat", filter_metadata={"legs": "0"}, filter_ids=["fish", "cat"])
        itself = client.search("dense", query_pooled=big, top_k=1)
        with pytest.raises(multiembed.InvalidArgument):
            client.search("dense", "a cat", mode="maxsim")
    pooled = {k: text_vector(v, DIM) for k, v in DENSE_TEXTS.items()}
    pooled["big"] = big
    want_cosine = sorted(pooled, key=lambda k: (-cosine(query, pooled[k]), k))
    want_dot = sorted(pooled, key=lambda k: (-float(query @ pooled[k]), k))
    assert want_cosine[0] != "big" and want_dot[0] == "big"   # the test tells the metrics apart
    assert by_cosine.ids == want_cosine and by_dot.ids == want_dot
    np.testing.assert_allclose(by_cosine.scores, [cosine(query, pooled[k]) for k in want_cosine], rtol=1e-5)
    assert sorted(legged.ids) == ["cat", "dog"] and all(h.metadata == {"legs": "4"} for h in legged)
    assert both.ids == ["fish"]
    assert itself.ids == ["big"] and itself.scores[0] == pytest.approx(1.0)


def test_hybrid_and_dense_search_of_a_multi_vector_collection(store_server):
    server = store_server()
    with Client(port=server.port) as client:
        client.create_collection("multi")
        client.upsert("multi", list(DENSE_TEXTS), list(DENSE_TEXTS.values()))
        dense = client.search("multi", "a cat", mode="dense")
        hybrid = client.search("multi", "a cat", mode="hybrid", candidates=2, top_k=2)
        maxsim_all = client.search("multi", "a cat")
        client.upsert("multi", ["bare"], [np.eye(TOKEN_DIM, dtype=np.float32)[:1]])   # vectors: no pooled vector
        for mode in ("dense", "hybrid"):
            with pytest.raises(multiembed.FailedPrecondition) as caught:
                client.search("multi", "a cat", mode=mode)
            assert caught.value.code == StatusCode.FAILED_PRECONDITION
        still = client.search("multi", "a cat")
        client.upsert("multi", ["bare"], [np.eye(TOKEN_DIM, dtype=np.float32)[:1]], pooled=[np.ones(TOKEN_DIM)])
        again = client.search("multi", token_vectors("a cat"), mode="hybrid", query_pooled=np.ones(TOKEN_DIM),
                              candidates=1, top_k=1)   # MaxSim alone would rank "cat" first
    query = text_vector("a cat", TOKEN_DIM)
    want_dense = sorted(DENSE_TEXTS, key=lambda k: (-cosine(query, text_vector(DENSE_TEXTS[k], TOKEN_DIM)), k))
    assert dense.ids == want_dense
    # Hybrid: MaxSim re-ranks the two best dense candidates and reports MaxSim scores.
    q = token_vectors("a cat")
    want_hybrid = sorted(want_dense[:2], key=lambda k: (-maxsim(q, token_vectors(DENSE_TEXTS[k])), k))
    assert hybrid.ids == want_hybrid
    np.testing.assert_allclose(hybrid.scores, [maxsim(q, token_vectors(DENSE_TEXTS[k])) for k in want_hybrid], rtol=1e-6)
    assert len(maxsim_all) == 4 and len(still) == 5
    assert again.ids == ["bare"]
    sent = requests_of(server, "search")
    assert sent[1].mode == collections_pb2.SEARCH_MODE_HYBRID and sent[1].candidates == 2
    assert sent[-1].query.WhichOneof("kind") == "vectors" and list(sent[-1].query_pooled) == [1.0] * TOKEN_DIM


@pytest.mark.parametrize("query, kwargs, error", [
    (None, {}, multiembed.InvalidArgument),                                     # neither query nor query_pooled
    (None, {"query_pooled": [1.0] * DIM, "mode": "maxsim"}, multiembed.InvalidArgument),
    (None, {"query_pooled": [1.0] * DIM, "mode": "hybrid"}, multiembed.InvalidArgument),
    ("q", {"mode": "sparse"}, multiembed.InvalidArgument),
    ("q", {"mode": 2}, multiembed.InvalidArgument),
    ("q", {"metric": "euclidean"}, multiembed.InvalidArgument),
    ("q", {"candidates": -1}, multiembed.InvalidArgument),
    ("q", {"candidates": 2.5}, multiembed.InvalidArgument),
    ("q", {"query_pooled": []}, multiembed.InvalidArgument),
    ("q", {"query_pooled": [[1.0, 2.0]]}, multiembed.InvalidArgument),
    ("q", {"filter_metadata": {"page": 3}}, TypeError),
    ("q", {"filter_metadata": [("k", "v")]}, TypeError),
])
def test_search_refuses_bad_dense_options_before_sending(store_server, query, kwargs, error):
    server = store_server()
    with Client(port=server.port) as client:
        with pytest.raises(error):
            client.search("dense", query, **kwargs)
    assert requests_of(server, "search") == []


@pytest.mark.parametrize("code, cls", [
    (status_pb2.DATA_LOSS, multiembed.DataLoss),
    (status_pb2.RESOURCE_EXHAUSTED, multiembed.ResourceExhausted),
    (status_pb2.FAILED_PRECONDITION, multiembed.FailedPrecondition),
])
def test_late_interaction_errors_raise_their_class_with_their_code(fake_server, code, cls):
    def handler(conn, req):
        status = status_pb2.Status(code=code, message="collection 'c' is damaged")
        if req.WhichOneof("body") == "upsert":
            status.input_errors.add(index=1, code=code, message="document 1")
        conn.send(envelope_pb2.Response(id=req.id, status=status))

    server = fake_server(handler, info=make_info(max_inputs=2))
    with Client(port=server.port) as client:
        with pytest.raises(cls) as searched:
            client.search("c", "q", mode="dense")
        with pytest.raises(cls) as upserted:
            client.upsert("c", ["a", "b"], pooled=[[1.0], [2.0]])
        with pytest.raises(cls):
            client.get("c", ["a"], include_vectors=True)
    assert searched.value.code == code and searched.value.message == "collection 'c' is damaged"
    assert isinstance(searched.value, multiembed.MultiEmbedError)
    assert [(e.index, e.code) for e in upserted.value.input_errors] == [(1, code)]

    async def main():
        async with AsyncClient(port=server.port) as client:
            await client.search("c", query_pooled=[1.0])

    with pytest.raises(cls) as awaited:
        asyncio.run(main())
    assert awaited.value.code == code


def test_async_client_dense_and_hybrid(store_server):
    server = store_server()

    async def main():
        async with AsyncClient(port=server.port) as client:
            created = await client.create_collection("dense", kind="dense")
            await client.upsert("dense", ["cat", "given"], ["a cat", None], pooled=[None, np.ones(DIM)],
                                metadata=[{"k": "1"}, {"k": "2"}])
            dense, filtered, by_pooled = await asyncio.gather(
                client.search("dense", "a cat", metric="dot"),
                client.search("dense", "a cat", filter_metadata={"k": "2"}),
                client.search("dense", query_pooled=np.ones(DIM), top_k=1))
            got = await client.get("dense", ["given"], include_vectors=True)
            await client.create_collection("multi", kind=multiembed.CollectionKind.MULTI_VECTOR)
            await client.upsert("multi", ["a", "b", "c"], ["one", "two words", "three little words"])
            hybrid = await client.search("multi", "two words", mode="hybrid", candidates=3, top_k=1)
            return created, dense, filtered, by_pooled, got, hybrid

    created, dense, filtered, by_pooled, got, hybrid = asyncio.run(main())
    assert created.kind is multiembed.CollectionKind.DENSE
    assert dense.ids[0] == "cat" and filtered.ids == ["given"] and by_pooled.ids == ["given"]
    np.testing.assert_array_equal(got[0].pooled, np.ones(DIM, np.float32))
    assert hybrid.ids == ["b"] and hybrid.scores[0] == pytest.approx(2.0)
    sent = requests_of(server, "search")
    assert {s.metric for s in sent} == {0, 1} and sum(not s.HasField("query") for s in sent) == 1
    (upsert,) = requests_of(server, "upsert")[:1]
    assert not upsert.documents[1].HasField("content") and list(upsert.documents[1].pooled) == [1.0] * DIM


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
