"""Late interaction: turning the caller's queries, documents and options into the requests of
``collections.proto`` (Score, Search, Upsert, Delete, Get and the collection calls), checked
before anything is sent, and cutting large calls into requests under the server's limits.

A query or a document is a *source* (``MultiVectorSource``): something for the server to embed,
vectors the caller computed, or (in ``score`` only) a document already stored in a collection.
:func:`source_of` tells them apart by type:

==============================================  ===================================================
value                                           sent as
==============================================  ===================================================
``str``                                         a text (never a path: wrap paths in ``pathlib.Path``)
``pathlib.Path`` / ``os.PathLike``, ``bytes``,  an image file (PNG or JPEG), as ``embed(images=...)``
``bytearray``, ``memoryview``, a PIL image
:class:`~multiembed.PatchGrid`, or a numpy      a patch grid, as ``embed(patches=...)``
array of 4 or 5 axes
a :class:`~multiembed.Page`                     a page (image or PDF page), read into its text and
                                                embedded as it; in ``upsert``, a PDF without
                                                ``page_number`` is one document per page
a 2-D numpy array or a list of lists of floats  precomputed vectors, ``(count, dimension)`` float32
:class:`StoredId`                               a stored document, by id (``score(..., collection=)``)
==============================================  ===================================================

The sync and asyncio clients share everything here; they differ only in how they send.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Generator, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union

import numpy as np

from .errors import InputError, InvalidArgument, MultiEmbedError, ProtocolError, StatusCode
from .inputs import Page, PatchGrid, _is_pil_image, image_input, page_input, patches_input, text_input
from .results import (CollectionInfo, CollectionKind, Document, Metric, Precision, ScoreResult, SearchMode, SearchResult,
                      UpsertResult, Usage)
from .v1 import collections_pb2, embed_pb2, envelope_pb2, info_pb2

__all__ = ["Source", "StoredId", "Plan", "DEFAULT_TOP_K", "source_of", "vectors_message", "pooled_values",
           "prompt_fields", "truncate_value", "create_collection_request", "search_request", "documents_of", "check_ids", "split", "shift_input_errors", "Batch",
           "create_collection_plan", "list_collections_plan", "drop_collection_plan", "upsert_plan",
           "delete_plan", "get_plan", "search_plan", "score_plan"]

@dataclass(frozen=True)
class StoredId:
    """A document already stored in a collection, named by its id, as a query or a document of
    :meth:`multiembed.Client.score` (with ``collection=``): candidates that were upserted are
    re-ranked without sending their vectors again, and each scores exactly what ``search``
    reports for it. A plain ``str`` is always a text to embed, hence this marker.

    >>> client.score("a chart of sales", [StoredId("p1"), StoredId("p7"), "a new page"], collection="pages")

    Only ``score`` takes it; ``upsert`` and ``search`` send it and the server refuses it
    (InvalidArgument). An id the collection does not hold is NotFound, with an
    :class:`~multiembed.InputError` for a document.
    """

    id: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str):
            raise TypeError(f"a StoredId is a str id, got {type(self.id).__name__}")


Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, PatchGrid, Page, np.ndarray,
               Sequence[Sequence[float]], StoredId, Any]
"""A query or a document: a text, an image, a patch grid, a page, ``(count, dimension)`` vectors,
or (score only) a :class:`StoredId`."""

DEFAULT_TOP_K = 10
"""Hits a search returns when the caller does not say (as most vector stores)."""

# Bytes of a request beyond its documents or ids (id, deadline, key, names, prompt): far below
# this, which keeps a split request safely under max_frame_bytes.
_ENVELOPE_ALLOWANCE = 4096

_TRUNCATES = {"end": embed_pb2.TRUNCATE_END, "start": embed_pb2.TRUNCATE_START, "error": embed_pb2.TRUNCATE_ERROR}


def vectors_message(vectors: Any) -> embed_pb2.MultiVector:
    """A float32 ``MultiVector`` of ``(count, dimension)`` vectors (a 2-D array or a list of
    lists); a single ``(dimension,)`` vector is refused, since it is ambiguous."""
    try:
        array = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise InvalidArgument(f"vectors must be numbers in a (count, dimension) array: {error}") from None
    if array.ndim != 2:
        raise InvalidArgument(
            f"vectors must be (count, dimension), got shape {array.shape}"
            + ("; wrap one vector in a list: [vector]" if array.ndim == 1 else ""))
    count, dimension = array.shape
    if count == 0 or dimension == 0:
        raise InvalidArgument(f"vectors must have at least one vector of at least one value, got shape {array.shape}")
    data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    return embed_pb2.MultiVector(count=count, dimension=dimension, data=data)


def pooled_values(vector: Any, what: str = "pooled") -> List[float]:
    """The values of one pooled vector (``Document.pooled``, ``SearchRequest.query_pooled``): a
    ``(dimension,)`` numpy array or sequence of floats, at least one value, as float32."""
    try:
        array = np.asarray(vector, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise InvalidArgument(f"{what} must be one vector of numbers: {error}") from None
    if array.ndim != 1 or array.size == 0:
        # Empty would read as "no pooled vector" on the wire, so it is refused rather than sent.
        raise InvalidArgument(f"{what} must be one (dimension,) vector of at least one value, got shape {array.shape}")
    return array.tolist()


def source_of(value: Source) -> collections_pb2.MultiVectorSource:
    """The ``MultiVectorSource`` of a query or document (see the module's table).

    Raises:
        TypeError: a value of none of the accepted kinds.
        InvalidArgument: vectors of the wrong shape, or a patch grid that does not add up.
    """
    if isinstance(value, StoredId):
        # Checked by the server, which knows what the collection holds.
        return collections_pb2.MultiVectorSource(document_id=value.id)
    if isinstance(value, str):
        return collections_pb2.MultiVectorSource(input=text_input(value))
    if isinstance(value, Page):
        return collections_pb2.MultiVectorSource(input=page_input(value))
    if isinstance(value, (os.PathLike, bytes, bytearray, memoryview)) or _is_pil_image(value):
        return collections_pb2.MultiVectorSource(input=image_input(value))
    if isinstance(value, PatchGrid) or (isinstance(value, np.ndarray) and value.ndim in (4, 5)):
        try:
            return collections_pb2.MultiVectorSource(input=patches_input(value))
        except ValueError as error:
            raise InvalidArgument(str(error)) from None
    if isinstance(value, (np.ndarray, list, tuple)):
        return collections_pb2.MultiVectorSource(vectors=vectors_message(value))
    raise TypeError(
        f"a query or document is a str (text), a path or bytes (image), a PatchGrid, a Page, (count, dimension) "
        f"vectors, or a StoredId; got {type(value).__name__}")


def prompt_fields(prompt_name: Optional[str], instruction: Optional[str], what: str = "") -> Dict[str, str]:
    """The keyword of a prompt ``oneof``: {} (unset: the model's convention), or one member.

    ``what`` prefixes the field names ("query_", "document_") for Score's two prompts.
    """
    if prompt_name is not None and instruction is not None:
        raise InvalidArgument(f"give {what}prompt_name or {what}instruction, not both")
    if prompt_name is not None:
        return {f"{what}prompt_name": prompt_name}
    if instruction is not None:
        return {f"{what}instruction": instruction}
    return {}


def truncate_value(truncate: str) -> int:
    """The ``multiembed.v1.Truncate`` of ``"end"``, ``"start"`` or ``"error"``."""
    try:
        return _TRUNCATES[truncate]
    except KeyError:
        raise InvalidArgument(f"truncate must be 'end', 'start' or 'error', got {truncate!r}") from None


def _enum_value(enum, value, what: str, extra: str = ""):
    """`value` (a member, or its string in any case) as a member of `enum`, or InvalidArgument
    naming the known values."""
    try:
        return enum(value.lower() if isinstance(value, str) else value)
    except ValueError:
        known = ", ".join(member.value for member in enum)
        raise InvalidArgument(f"unknown {what} {value!r} (known: {known}{extra})") from None


def _precision_of(precision: Union[str, Precision]) -> Precision:
    return _enum_value(Precision, precision, "precision")


def _kind_of(kind: Union[str, CollectionKind]) -> CollectionKind:
    return _enum_value(CollectionKind, kind, "collection kind")


def _mode_of(mode: Union[None, str, SearchMode]) -> SearchMode:
    return SearchMode.DEFAULT if mode is None else _enum_value(SearchMode, mode, "search mode", ", or None")


def _metric_of(metric: Union[str, Metric]) -> Metric:
    return _enum_value(Metric, metric, "metric")


def _non_negative(name: str, value: Optional[int]) -> int:
    if value is None:
        return 0
    if not isinstance(value, (int, np.integer)) or value < 0:
        raise InvalidArgument(f"{name} must be a non-negative int, got {value!r}")
    return int(value)


def create_collection_request(
    name: str,
    *,
    model: Optional[str],
    dimension: Optional[int],
    precision: Union[str, Precision],
    pool_factor: int,
    max_vectors: Optional[int],
    vectors_only: bool,
    kind: Union[str, CollectionKind] = CollectionKind.MULTI_VECTOR,
) -> collections_pb2.CreateCollectionRequest:
    """The CreateCollectionRequest of :meth:`multiembed.Client.create_collection`'s arguments."""
    if not isinstance(name, str) or not name:
        raise InvalidArgument(f"a collection name is a non-empty str, got {name!r}")
    if pool_factor < 1:
        raise InvalidArgument(f"pool_factor must be at least 1, got {pool_factor}")
    if vectors_only and not dimension:
        raise InvalidArgument("a vectors_only collection needs its dimension")
    if vectors_only and model:
        raise InvalidArgument("a vectors_only collection has no model")
    kind = _kind_of(kind)
    precision = _precision_of(precision)
    pool_factor = _non_negative("pool_factor", pool_factor)
    if kind is CollectionKind.DENSE:
        # A dense collection stores float32 pooled vectors: it takes no precision, pooling or
        # truncation (the server refuses them). pool_factor 1 is "none", so it is left unset.
        if precision is not Precision.FLOAT32:
            raise InvalidArgument(f"a dense collection stores float32; precision {precision.value!r} is not for it")
        if pool_factor != 1 or max_vectors:
            raise InvalidArgument("a dense collection takes no pool_factor or max_vectors")
        pool_factor = 0
    return collections_pb2.CreateCollectionRequest(
        name=name, model=model or "", dimension=_non_negative("dimension", dimension),
        precision=precision.wire, pool_factor=pool_factor,
        max_vectors=_non_negative("max_vectors", max_vectors), vectors_only=vectors_only, kind=kind.wire)


def check_ids(ids: Sequence[str], what: str = "ids") -> List[str]:
    """``ids`` as a list of str; a bare str (which would be split into characters) is refused."""
    if isinstance(ids, (str, bytes)):
        raise TypeError(f"{what} takes a list of ids; wrap a single one in a list")
    checked = list(ids)
    for index, item in enumerate(checked):
        if not isinstance(item, str):
            raise TypeError(f"{what}[{index}] must be a str, got {type(item).__name__}")
    return checked


def _metadata_map(entry: Optional[Mapping[str, str]], index: int) -> Dict[str, str]:
    if entry is None:
        return {}
    if not isinstance(entry, Mapping):
        raise TypeError(f"metadata[{index}] must be a dict of str to str, got {type(entry).__name__}")
    for key, value in entry.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"metadata[{index}] must map str to str, got {key!r}: {value!r}")
    return dict(entry)


def _metadata_filter(entry: Optional[Mapping[str, str]]) -> Dict[str, str]:
    if entry is None:
        return {}
    if not isinstance(entry, Mapping):
        raise TypeError(f"filter_metadata must be a dict of str to str, got {type(entry).__name__}")
    for key, value in entry.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"filter_metadata must map str to str, got {key!r}: {value!r}")
    return dict(entry)


def documents_of(ids: Sequence[str], documents: Optional[Sequence[Optional[Source]]],
                 metadata: Optional[Sequence[Optional[Mapping[str, str]]]],
                 pooled: Optional[Sequence[Any]] = None) -> List[collections_pb2.Document]:
    """The Document messages of an upsert, checked: as many documents (and metadata dicts, and
    pooled vectors) as ids, at least one, each with a source or a pooled vector or both, and no
    id twice (the server would refuse the request; across several requests, the later would
    silently replace the earlier). ``documents`` None (or a None entry) means no source: the
    document is its pooled vector alone, as a dense collection takes it."""
    ids = check_ids(ids)
    if isinstance(documents, (str, bytes)) or (isinstance(documents, np.ndarray) and documents.ndim < 3):
        raise TypeError("documents takes a list with one entry per id")
    if isinstance(pooled, (str, bytes)) or (isinstance(pooled, np.ndarray) and pooled.ndim != 2):
        raise TypeError("pooled takes a list with one vector (or None) per id, or an (n, dimension) array")
    if not ids:
        raise InvalidArgument("nothing to upsert: give at least one id and document")
    documents = list(documents) if documents is not None else [None] * len(ids)
    if len(documents) != len(ids):
        raise InvalidArgument(f"{len(ids)} ids but {len(documents)} documents")
    if metadata is not None and (isinstance(metadata, Mapping) or len(metadata) != len(ids)):
        raise InvalidArgument("metadata takes a list with one dict (or None) per id")
    vectors = list(pooled) if pooled is not None else [None] * len(ids)
    if len(vectors) != len(ids):
        raise InvalidArgument(f"{len(ids)} ids but {len(vectors)} pooled vectors")
    seen: Dict[str, int] = {}
    errors = []
    for index, doc_id in enumerate(ids):
        if doc_id in seen:
            errors.append(InputError(index, StatusCode.INVALID_ARGUMENT, f"id {doc_id!r} repeats document {seen[doc_id]}"))
        seen.setdefault(doc_id, index)
        if documents[index] is None and vectors[index] is None:
            errors.append(InputError(index, StatusCode.INVALID_ARGUMENT, f"document {doc_id!r} has neither a source nor a pooled vector"))
    if errors:
        raise InvalidArgument(f"{len(errors)} bad documents", input_errors=errors)
    messages = []
    for index, (doc_id, document, vector) in enumerate(zip(ids, documents, vectors)):
        message = collections_pb2.Document(id=doc_id, metadata=_metadata_map(metadata[index] if metadata else None, index))
        if document is not None:
            message.content.CopyFrom(source_of(document))
        if vector is not None:
            message.pooled.extend(pooled_values(vector, f"pooled[{index}]"))
        messages.append(message)
    return messages


T = TypeVar("T")


@dataclass(frozen=True)
class Batch:
    """One request's share of a split call: ``items[offset : offset + len(items)]``."""

    offset: int
    items: List[Any]


def split(items: Sequence[T], size_of: Callable[[T], int], *, batch_size: Optional[int],
          max_inputs: int, max_frame_bytes: int) -> List[Batch]:
    """Cuts ``items`` into batches of at most ``batch_size`` (capped by ``max_inputs``; 0 = no
    limit) items whose encoded sizes sum under ``max_frame_bytes`` (0 = no limit).

    Raises:
        InvalidArgument: one item alone is over the frame limit (with its index).
    """
    if batch_size is not None and batch_size < 1:
        raise InvalidArgument(f"batch_size must be at least 1, got {batch_size}")
    count_limit = min(x for x in (batch_size or 0, max_inputs, len(items)) if x > 0) if items else 1
    byte_limit = max_frame_bytes - _ENVELOPE_ALLOWANCE if max_frame_bytes else 0
    batches: List[Batch] = []
    current: List[Any] = []
    current_bytes = 0
    for index, item in enumerate(items):
        size = size_of(item) + 8  # the item's tag and length prefix
        if byte_limit and size > byte_limit:
            raise InvalidArgument(f"item {index} takes {size} bytes, over the server's frame limit",
                                  input_errors=[InputError(index, StatusCode.INVALID_ARGUMENT,
                                                           f"{size} bytes, over max_frame_bytes {max_frame_bytes}")])
        if current and (len(current) >= count_limit or (byte_limit and current_bytes + size > byte_limit)):
            batches.append(Batch(index - len(current), current))
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += size
    if current:
        batches.append(Batch(len(items) - len(current), current))
    return batches


def shift_input_errors(error: MultiEmbedError, offset: int) -> MultiEmbedError:
    """``error`` with its per-input indexes moved from a request's own to the caller's list."""
    if not error.input_errors or offset == 0:
        return error
    shifted = type(error)(error.message, code=error.code, input_errors=[
        InputError(e.index + offset, e.code, e.message) for e in error.input_errors])
    shifted.__cause__ = error.__cause__
    return shifted


# -- plans ----------------------------------------------------------------------------------------
#
# Each call is a generator that yields ``(request, offset)`` and is sent back the request's OK
# Response, then returns the call's result: the sync and asyncio clients run the same plans,
# each with its own way of sending (``Client._run_plan``, ``AsyncClient._run_plan``). ``offset``
# is where the request's documents or ids start in the caller's list, to report per-input
# errors by the caller's indexes. Arguments are checked before the first yield, so bad input
# fails before anything is sent.

Plan = Generator[Tuple[envelope_pb2.Request, int], envelope_pb2.Response, T]


def _batches(items: Sequence[Any], batch_size: Optional[int], limits: info_pb2.Limits) -> List[Batch]:
    """``items`` split under ``limits``; no items is one empty batch, so that the request is
    still made (and an unknown collection still reported)."""
    if not items:
        return [Batch(0, [])]
    return split(items, lambda item: item.ByteSize() if hasattr(item, "ByteSize") else len(item.encode()),
                 batch_size=batch_size, max_inputs=limits.max_inputs_per_request,
                 max_frame_bytes=limits.max_frame_bytes)


def create_collection_plan(name: str, **options: Any) -> Plan[CollectionInfo]:
    body = create_collection_request(name, **options)
    response = yield envelope_pb2.Request(create_collection=body), 0
    return CollectionInfo.from_message(response.create_collection.collection)


def list_collections_plan() -> Plan[List[CollectionInfo]]:
    response = yield envelope_pb2.Request(list_collections=collections_pb2.ListCollectionsRequest()), 0
    return [CollectionInfo.from_message(c) for c in response.list_collections.collections]


def drop_collection_plan(name: str) -> Plan[None]:
    if not isinstance(name, str) or not name:
        raise InvalidArgument(f"a collection name is a non-empty str, got {name!r}")
    yield envelope_pb2.Request(drop_collection=collections_pb2.DropCollectionRequest(name=name)), 0


def upsert_plan(collection: str, ids: Sequence[str], documents: Optional[Sequence[Optional[Source]]], *,
                metadata: Optional[Sequence[Optional[Mapping[str, str]]]], prompt_name: Optional[str],
                instruction: Optional[str], truncate: str, batch_size: Optional[int],
                limits: info_pb2.Limits, pooled: Optional[Sequence[Any]] = None) -> Plan[UpsertResult]:
    """Requests in order, each answered once durable: if one fails, the ones before it stay written."""
    template = collections_pb2.UpsertRequest(collection=collection, truncate=truncate_value(truncate),
                                             **prompt_fields(prompt_name, instruction))
    batches = _batches(documents_of(ids, documents, metadata, pooled), batch_size, limits)
    result = UpsertResult(0)
    for batch in batches:
        body = collections_pb2.UpsertRequest()
        body.CopyFrom(template)
        body.documents.extend(batch.items)
        response = yield envelope_pb2.Request(upsert=body), batch.offset
        result.upserted += response.upsert.upserted
        result.usage.add(response.upsert.usage)
    return result


def delete_plan(collection: str, ids: Sequence[str], *, limits: info_pb2.Limits) -> Plan[int]:
    deleted = 0
    for batch in _batches(check_ids(ids), None, limits):
        body = collections_pb2.DeleteRequest(collection=collection, ids=batch.items)
        response = yield envelope_pb2.Request(delete=body), batch.offset
        deleted += response.delete.deleted
    return deleted


def get_plan(collection: str, ids: Sequence[str], *, include_vectors: bool,
             limits: info_pb2.Limits) -> Plan[List[Document]]:
    documents: List[Document] = []
    for batch in _batches(check_ids(ids), None, limits):
        body = collections_pb2.GetRequest(collection=collection, ids=batch.items, include_vectors=include_vectors)
        response = yield envelope_pb2.Request(get=body), batch.offset
        documents.extend(Document.from_message(d) for d in response.get.documents)
    return documents


def search_request(collection: str, query: Optional[Source], *, top_k: int, filter_ids: Optional[Sequence[str]],
                   prompt_name: Optional[str], instruction: Optional[str], truncate: str,
                   mode: Union[None, str, SearchMode] = None, metric: Union[str, Metric] = Metric.COSINE,
                   candidates: Optional[int] = None, filter_metadata: Optional[Mapping[str, str]] = None,
                   query_pooled: Any = None, include_matches: bool = False) -> collections_pb2.SearchRequest:
    """The SearchRequest of :meth:`multiembed.Client.search`'s arguments. ``query`` may be None
    only with ``query_pooled``, for a dense search (the server's default mode decides on a
    collection of unknown kind; an explicit maxsim or hybrid mode needs the query)."""
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise InvalidArgument(f"top_k must be at least 1, got {top_k!r}")
    mode = _mode_of(mode)
    if query is None:
        if query_pooled is None:
            raise InvalidArgument("give a query, or query_pooled for a dense search")
        if mode in (SearchMode.MAXSIM, SearchMode.HYBRID):
            raise InvalidArgument(f"a {mode.value} search needs a query (query_pooled serves dense scoring only)")
    body = collections_pb2.SearchRequest(
        collection=collection, top_k=int(top_k),
        filter_ids=check_ids(filter_ids, "filter_ids") if filter_ids is not None else [],
        truncate=truncate_value(truncate), mode=mode.wire, metric=_metric_of(metric).wire,
        candidates=_non_negative("candidates", candidates), filter_metadata=_metadata_filter(filter_metadata),
        include_matches=bool(include_matches), **prompt_fields(prompt_name, instruction))
    if query is not None:
        body.query.CopyFrom(source_of(query))
    if query_pooled is not None:
        body.query_pooled.extend(pooled_values(query_pooled, "query_pooled"))
    return body


def search_plan(collection: str, query: Optional[Source], **options: Any) -> Plan[SearchResult]:
    body = search_request(collection, query, **options)
    response = yield envelope_pb2.Request(search=body), 0
    return SearchResult.from_message(response.search)


def score_plan(query: Source, documents: Sequence[Source], *, model: Optional[str], collection: Optional[str],
               query_prompt_name: Optional[str], query_instruction: Optional[str],
               document_prompt_name: Optional[str], document_instruction: Optional[str], truncate: str,
               batch_size: Optional[int], limits: info_pb2.Limits) -> Plan[ScoreResult]:
    """Documents beyond the server's limits go in several requests, each with the query: no
    score depends on the other documents, so the result is the same as one request's."""
    if isinstance(documents, (str, bytes)) or (isinstance(documents, np.ndarray) and documents.ndim < 3):
        raise TypeError("documents takes a list of documents")
    sources = [source_of(d) for d in documents]
    if not sources:
        raise InvalidArgument("nothing to score: give at least one document")
    if collection is not None and not isinstance(collection, str):
        raise TypeError(f"collection is a str (a collection's name), got {type(collection).__name__}")
    template = collections_pb2.ScoreRequest(
        model=model or "", collection=collection or "", query=source_of(query), truncate=truncate_value(truncate),
        **prompt_fields(query_prompt_name, query_instruction, "query_"),
        **prompt_fields(document_prompt_name, document_instruction, "document_"))
    scores = np.zeros(len(sources), dtype=np.float32)
    usage = Usage()
    for batch in _batches(sources, batch_size, limits):
        body = collections_pb2.ScoreRequest()
        body.CopyFrom(template)
        body.documents.extend(batch.items)
        response = yield envelope_pb2.Request(score=body), batch.offset
        if len(response.score.scores) != len(batch.items):
            raise ProtocolError(f"{len(response.score.scores)} scores for {len(batch.items)} documents")
        scores[batch.offset:batch.offset + len(batch.items)] = response.score.scores
        usage.add(response.score.usage)
    return ScoreResult(scores, usage)
