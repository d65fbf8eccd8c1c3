"""The results of calls: an embed call's, assembled from the responses to its (possibly several)
requests, and the late-interaction calls' (collections, documents, search hits, scores).

A call larger than the server's limits travels as several requests whose answers arrive in any
order; :class:`ResultBuilder` places each answer's vectors at the request's offset in the
caller's input list, so the result reads as if one request had carried everything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from .encodings import Encoding, decode_vectors, dequantize, empty_vectors
from .errors import InputError, ProtocolError, input_errors_from_status
from .v1 import collections_pb2, embed_pb2, pages_pb2, status_pb2

__all__ = ["Usage", "PageWord", "PageText", "MatchedWord", "EmbedResult", "ResultBuilder", "Precision", "CollectionKind", "SearchMode", "Metric",
           "CollectionInfo", "Document", "SearchHit", "SearchResult", "ScoreResult", "UpsertResult"]


@dataclass
class Usage:
    """What the call cost, summed over its requests (see ``multiembed.v1.Usage``)."""

    tokens: int = 0
    pixels: int = 0
    patches: int = 0
    queue_time_us: int = 0
    inference_time_us: int = 0

    def add(self, usage: embed_pb2.Usage) -> None:
        self.tokens += usage.tokens
        self.pixels += usage.pixels
        self.patches += usage.patches
        self.queue_time_us += usage.queue_time_us
        self.inference_time_us += usage.inference_time_us


@dataclass(frozen=True)
class PageWord:
    """One word of a page's text layer (``multiembed.v1.PageWord``).

    Attributes:
        text: the word.
        x, y, width, height: its box on the page image, in pixels from the top-left corner (for
            a PDF page, of the page rendered at :attr:`PageText.dpi`).
        confidence: OCR confidence, 0 to 100; -1 for a word of a PDF's own text layer (exact).
        block, line: reading-order block and line numbers; the words of a line share both.
    """

    text: str
    x: int
    y: int
    width: int
    height: int
    confidence: float
    block: int
    line: int

    @classmethod
    def from_message(cls, message: pages_pb2.PageWord) -> "PageWord":
        return cls(text=message.text, x=message.x, y=message.y, width=message.width, height=message.height,
                   confidence=message.confidence, block=message.block, line=message.line)


@dataclass(frozen=True)
class PagePatches:
    """Where a page's image vectors are (``multiembed.v1.PagePatches``, asked for with
    ``Page(include_patches=True)``): the last ``vectors`` of the page's multi-vector, ``leading``
    whole-image vectors first (CLIP's class token), then one per patch, row by row over a
    ``rows`` x ``columns`` grid covering the box ``x, y, width, height`` of the page image.
    """

    vectors: int
    leading: int
    rows: int
    columns: int
    x: int
    y: int
    width: int
    height: int

    @classmethod
    def from_message(cls, message: pages_pb2.PagePatches) -> "PagePatches":
        return cls(vectors=message.vectors, leading=message.leading, rows=message.rows, columns=message.columns,
                   x=message.x, y=message.y, width=message.width, height=message.height)


@dataclass(frozen=True)
class PageText:
    """A page's text layer, as the server read it (``multiembed.v1.PageText``).

    Attributes:
        text: the plain text: words joined by spaces, a line break between lines.
        source: where the words came from: ``"ocr"``, ``"pdf"`` (the PDF's text layer) or ``"given"``.
        words: every word with its box, in reading order.
        width, height: size in pixels of the page image the boxes refer to.
        note: why the text layer is empty or partial (a blank page, OCR's time limit), or ``""``.
        dpi: PDF pages: the resolution the page was rendered at (and its boxes are in); else 0.
        patches: where the page image's patch vectors are, when the page's vectors hold them.
    """

    text: str
    source: str
    words: List[PageWord]
    width: int
    height: int
    note: str = ""
    dpi: int = 0
    patches: Optional[PagePatches] = None

    @classmethod
    def from_message(cls, message: pages_pb2.PageText) -> "PageText":
        patches = PagePatches.from_message(message.patches) if message.HasField("patches") else None
        return cls(text=message.text, source=message.source, words=[PageWord.from_message(w) for w in message.words],
                   width=message.width, height=message.height, note=message.note, dpi=message.dpi, patches=patches)


@dataclass(frozen=True)
class MatchedWord:
    """A word of a page document that gave query vectors their best MaxSim match
    (``multiembed.v1.MatchedWord``), in :attr:`SearchHit.matches`.

    Attributes:
        word_index: its index in the page's :attr:`PageText.words`.
        word: the word, with its box.
        query_vectors: the query vectors (positions in the query's token vectors, special tokens
            excluded) whose maximum this word's tokens gave.
        score: the sum of those maxima: the word's share of the hit's MaxSim score.
    """

    word_index: int
    word: PageWord
    query_vectors: List[int]
    score: float

    @classmethod
    def from_message(cls, message: pages_pb2.MatchedWord) -> "MatchedWord":
        return cls(word_index=message.word_index, word=PageWord.from_message(message.word),
                   query_vectors=list(message.query_vectors), score=message.score)


@dataclass(frozen=True)
class MatchedPatch:
    """A patch of a page image that gave query vectors their best MaxSim match
    (``multiembed.v1.MatchedPatch``), in :attr:`SearchHit.matched_patches`: for page documents
    holding their image's patch vectors (``Page(include_patches=True)``).

    Attributes:
        vector: the patch's vector in the page's multi-vector.
        x, y, width, height: its box on the page image, in pixels.
        query_vectors: the query vectors whose maximum it gave.
        score: the sum of those maxima.
    """

    vector: int
    x: int
    y: int
    width: int
    height: int
    query_vectors: List[int]
    score: float

    @classmethod
    def from_message(cls, message: pages_pb2.MatchedPatch) -> "MatchedPatch":
        return cls(vector=message.vector, x=message.x, y=message.y, width=message.width, height=message.height,
                   query_vectors=list(message.query_vectors), score=message.score)


@dataclass
class EmbedResult:
    """Everything an embed call returned.

    Attributes:
        model: the model that computed the vectors.
        encoding: the encoding the vectors are in (see :mod:`multiembed.encodings`).
        pooled: ``(n, d)`` pooled vectors (``(n, ceil(d/8))`` packed bits for binary), or None
            when only multi-vectors were asked for. Rows of failed inputs are NaN (float
            encodings) or 0.
        pooled_scales: int8 only: ``(n,)`` float32, ``vector ~= pooled[i] * pooled_scales[i]``.
        multi_vectors: per input a ``(tokens, token_dimension)`` array (packed bits for binary),
            or None when only pooled vectors were asked for; a failed input has ``(0, width)``.
        multi_vector_scales: int8 only: per input its ``(tokens,)`` scales.
        dimension: values per pooled vector (also for binary, whose rows are packed).
        token_dimension: values per token or patch vector.
        truncated: ``(n,)`` bool, true where a text was cut to the model's token limit.
        errors: the inputs that failed, with their indexes in the caller's list.
        usage: tokens, pixels, patches and time, summed over the call's requests.
        page_texts: per input, the text layer the server read for a page input
            (:class:`PageText`), None for other inputs and failed ones.
    """

    model: str
    encoding: Encoding
    pooled: Optional[np.ndarray]
    pooled_scales: Optional[np.ndarray]
    multi_vectors: Optional[List[np.ndarray]]
    multi_vector_scales: Optional[List[np.ndarray]]
    dimension: int
    token_dimension: int
    truncated: np.ndarray
    errors: List[InputError] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    page_texts: List[Optional[PageText]] = field(default_factory=list)

    def dequantized(self) -> "EmbedResult":
        """This result with every vector as float32 (see :func:`multiembed.encodings.dequantize`:
        int8 times its scale, binary bits as +1/-1)."""
        pooled = None
        if self.pooled is not None:
            pooled = dequantize(self.pooled, self.encoding, self.pooled_scales, self.dimension)
        multi = None
        if self.multi_vectors is not None:
            scales = self.multi_vector_scales or [None] * len(self.multi_vectors)  # type: ignore[list-item]
            multi = [dequantize(m, self.encoding, s, self.token_dimension) for m, s in zip(self.multi_vectors, scales)]
        return EmbedResult(self.model, Encoding.FLOAT32, pooled, None, multi, None, self.dimension,
                           self.token_dimension, self.truncated, list(self.errors), self.usage,
                           list(self.page_texts))

    def arrays(self) -> Union[np.ndarray, List[np.ndarray], Tuple[np.ndarray, List[np.ndarray]]]:
        """What :meth:`multiembed.Client.embed` returns: the pooled array, the multi-vector list,
        or both as a tuple, depending on what was asked for."""
        if self.multi_vectors is None:
            assert self.pooled is not None
            return self.pooled
        if self.pooled is None:
            return self.multi_vectors
        return self.pooled, self.multi_vectors


class ResultBuilder:
    """Collects the answers to the requests of one embed call into an :class:`EmbedResult`."""

    def __init__(self, count: int, encoding: Encoding, pooled: bool, multi_vector: bool) -> None:
        self._count = count
        self._encoding = encoding
        self._want_pooled = pooled
        self._want_multi = multi_vector
        self._pooled: Optional[np.ndarray] = None
        self._pooled_scales: Optional[np.ndarray] = None
        self._multi: Optional[List[np.ndarray]] = [np.zeros((0, 0), encoding.dtype)] * count if multi_vector else None
        self._multi_scales: Optional[List[np.ndarray]] = (
            [np.zeros(0, np.float32)] * count if multi_vector and encoding is Encoding.INT8 else None)
        self._dimension = 0
        self._token_dimension = 0
        self._truncated = np.zeros(count, dtype=bool)
        self._page_texts: List[Optional[PageText]] = [None] * count
        self._errors: List[InputError] = []
        self._usage = Usage()
        self._model = ""

    def add(self, offset: int, size: int, response: embed_pb2.EmbedResponse, status: status_pb2.Status) -> None:
        """Places the answer to the request that carried inputs ``offset .. offset+size-1``."""
        if len(response.embeddings) != size:
            raise ProtocolError(f"the server returned {len(response.embeddings)} embeddings for {size} inputs")
        self._model = self._model or response.model
        self._usage.add(response.usage)
        errors = input_errors_from_status(status, offset)
        self._errors.extend(errors)
        failed = {e.index for e in errors}
        for position, embedding in enumerate(response.embeddings):
            if embedding.index != position:
                raise ProtocolError(f"embedding {position} of a response carries index {embedding.index}")
            index = offset + position
            if index in failed:
                continue
            self._truncated[index] = embedding.truncated
            if embedding.HasField("page_text"):
                self._page_texts[index] = PageText.from_message(embedding.page_text)
            if self._want_pooled:
                self._place_pooled(index, embedding)
            if self._want_multi:
                self._place_multi(index, embedding)

    def _place_pooled(self, index: int, embedding: embed_pb2.Embedding) -> None:
        if not embedding.HasField("pooled"):
            raise ProtocolError(f"input {index} succeeded but has no pooled vector")
        vector = embedding.pooled
        if self._pooled is None:
            self._dimension = vector.dimension
            self._pooled, self._pooled_scales = empty_vectors(self._count, vector.dimension, self._encoding)
        elif vector.dimension != self._dimension:
            raise ProtocolError(f"pooled vectors of {self._dimension} and {vector.dimension} values in one call")
        self._pooled[index] = decode_vectors(vector.data, 1, vector.dimension, self._encoding)[0]
        assert self._pooled_scales is not None
        self._pooled_scales[index] = vector.scale

    def _place_multi(self, index: int, embedding: embed_pb2.Embedding) -> None:
        if not embedding.HasField("multi_vector"):
            raise ProtocolError(f"input {index} succeeded but has no multi-vector")
        mv = embedding.multi_vector
        self._token_dimension = mv.dimension
        assert self._multi is not None
        self._multi[index] = decode_vectors(mv.data, mv.count, mv.dimension, self._encoding)
        if self._multi_scales is not None:
            if len(mv.scales) != mv.count:
                raise ProtocolError(f"input {index}: {len(mv.scales)} int8 scales for {mv.count} vectors")
            self._multi_scales[index] = np.asarray(mv.scales, dtype=np.float32)

    def finish(self) -> EmbedResult:
        """The assembled result (call once every request has been added)."""
        pooled, scales = self._pooled, self._pooled_scales
        if self._want_pooled and pooled is None:  # every input failed: no dimension was seen
            pooled, scales = empty_vectors(self._count, 0, self._encoding)
        if self._encoding is not Encoding.INT8:
            scales = None
        if self._multi is not None:  # failed inputs: (0, width) of the right width and dtype
            width = self._token_dimension if self._encoding is not Encoding.BINARY else (self._token_dimension + 7) // 8
            failed = {e.index for e in self._errors}
            for index in failed:
                self._multi[index] = np.zeros((0, width), self._encoding.dtype)
        self._errors.sort(key=lambda e: e.index)
        return EmbedResult(
            model=self._model, encoding=self._encoding, pooled=pooled if self._want_pooled else None,
            pooled_scales=scales if self._want_pooled else None, multi_vectors=self._multi,
            multi_vector_scales=self._multi_scales, dimension=self._dimension,
            token_dimension=self._token_dimension, truncated=self._truncated,
            errors=self._errors, usage=self._usage, page_texts=self._page_texts)


# -- late interaction ---------------------------------------------------------------------------


class Precision(str, enum.Enum):
    """How a collection stores its vectors (``multiembed.v1.Precision``); the value is the name
    accepted by :meth:`multiembed.Client.create_collection`."""

    FLOAT32 = "float32"
    FLOAT16 = "float16"
    INT8 = "int8"
    BINARY = "binary"

    @property
    def wire(self) -> int:
        """The ``multiembed.v1.Precision`` number."""
        return list(Precision).index(self)  # declared in wire order, 0..3

    @classmethod
    def from_wire(cls, value: int) -> "Precision":
        members = list(cls)
        if not 0 <= value < len(members):
            raise ProtocolError(f"the server sent precision {value}, which this client does not know")
        return members[value]


class CollectionKind(str, enum.Enum):
    """What a collection holds per document (``multiembed.v1.CollectionKind``); the value is the
    name accepted by :meth:`multiembed.Client.create_collection`'s ``kind``."""

    MULTI_VECTOR = "multi_vector"  # one vector per token or patch, searched by MaxSim (and an optional pooled one)
    DENSE = "dense"                # one pooled vector per document, searched by cosine or dot product

    @property
    def wire(self) -> int:
        """The ``multiembed.v1.CollectionKind`` number."""
        return list(CollectionKind).index(self)  # declared in wire order, 0..1

    @classmethod
    def from_wire(cls, value: int) -> "CollectionKind":
        members = list(cls)
        if not 0 <= value < len(members):
            raise ProtocolError(f"the server sent collection kind {value}, which this client does not know")
        return members[value]


class SearchMode(str, enum.Enum):
    """How a search scores documents (``multiembed.v1.SearchMode``); the value is the name
    accepted by :meth:`multiembed.Client.search`'s ``mode`` (None = ``"default"``)."""

    DEFAULT = "default"  # the collection's own: maxsim for multi-vector, dense for dense
    MAXSIM = "maxsim"    # MaxSim of the query's vectors against each document's
    DENSE = "dense"      # the query's pooled vector against each document's, by the metric
    HYBRID = "hybrid"    # dense candidates, re-ranked (and scored) by MaxSim

    @property
    def wire(self) -> int:
        """The ``multiembed.v1.SearchMode`` number."""
        return list(SearchMode).index(self)  # declared in wire order, 0..3


class Metric(str, enum.Enum):
    """The similarity of dense search and of hybrid search's first stage (``multiembed.v1.Metric``);
    the value is the name accepted by :meth:`multiembed.Client.search`'s ``metric``."""

    COSINE = "cosine"  # the default
    DOT = "dot"        # the normalised query against each pooled vector as stored

    @property
    def wire(self) -> int:
        """The ``multiembed.v1.Metric`` number."""
        return list(Metric).index(self)  # declared in wire order, 0..1


@dataclass(frozen=True)
class CollectionInfo:
    """A collection as the server describes it (``multiembed.v1.CollectionInfo``).

    Attributes:
        name: the collection's name.
        dimension: values per vector; every document and query vector has this many.
        precision: how the vectors are stored.
        pool_factor: token pooling at upsert (1 = none).
        max_vectors: first-n truncation at upsert (0 = keep all).
        model: the model that embeds inputs for it; ``""`` = precomputed vectors only.
        document_count: live documents.
        kind: multi-vector (the default) or dense (one pooled vector per document).
    """

    name: str
    dimension: int
    precision: Precision
    pool_factor: int
    max_vectors: int
    model: str
    document_count: int
    kind: CollectionKind = CollectionKind.MULTI_VECTOR

    @classmethod
    def from_message(cls, message: collections_pb2.CollectionInfo) -> "CollectionInfo":
        return cls(name=message.name, dimension=message.dimension, precision=Precision.from_wire(message.precision),
                   pool_factor=message.pool_factor, max_vectors=message.max_vectors, model=message.model,
                   document_count=message.document_count, kind=CollectionKind.from_wire(message.kind))


@dataclass(frozen=True)
class Document:
    """A stored document, as :meth:`multiembed.Client.get` returns it.

    Attributes:
        id: its id.
        metadata: the strings upserted with it.
        vectors: ``(count, dimension)`` float32, decoded from the stored precision, when asked
            for with ``include_vectors=True``; otherwise None (and always for a dense
            collection's documents, which have no token vectors).
        pooled: the document's one pooled vector, ``(dimension,)`` float32 as stored, when asked
            for with ``include_vectors=True`` and the document has one; otherwise None.
        page_text: a page document's text layer (words, boxes, plain text), as read when it was
            upserted; None for other documents.
    """

    id: str
    metadata: Dict[str, str]
    vectors: Optional[np.ndarray] = None
    pooled: Optional[np.ndarray] = None
    page_text: Optional[PageText] = None

    @classmethod
    def from_message(cls, message: collections_pb2.Document) -> "Document":
        vectors = None
        if message.HasField("content"):
            if message.content.WhichOneof("kind") != "vectors":
                raise ProtocolError(f"document {message.id!r} came back with an input instead of vectors")
            mv = message.content.vectors
            vectors = decode_vectors(mv.data, mv.count, mv.dimension, Encoding.FLOAT32)
        pooled = np.array(message.pooled, dtype=np.float32) if len(message.pooled) else None
        page_text = PageText.from_message(message.page_text) if message.HasField("page_text") else None
        return cls(id=message.id, metadata=dict(message.metadata), vectors=vectors, pooled=pooled, page_text=page_text)


@dataclass(frozen=True)
class SearchHit:
    """One document found by a search: its id, score (MaxSim for maxsim and hybrid searches, the
    metric's for dense ones) and metadata; with ``search(..., include_matches=True)``, a page
    document's hit also has ``matches``: the words that matched, each with its box and share of
    the score (empty otherwise), and ``matched_patches``: the patches that matched, for a page
    holding its image's patch vectors."""

    id: str
    score: float
    metadata: Dict[str, str]
    matches: List[MatchedWord] = field(default_factory=list)
    matched_patches: List[MatchedPatch] = field(default_factory=list)


@dataclass
class SearchResult:
    """The best documents for a query, best first (ties in score ordered by id).

    Iterate over it, index it or take its ``len`` as the list of :class:`SearchHit`; ``ids``
    and ``scores`` give the columns.
    """

    hits: List[SearchHit]
    usage: Usage = field(default_factory=Usage)

    def __iter__(self) -> Iterator[SearchHit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, index: int) -> SearchHit:
        return self.hits[index]

    @property
    def ids(self) -> List[str]:
        """The hits' ids, best first."""
        return [hit.id for hit in self.hits]

    @property
    def scores(self) -> np.ndarray:
        """The hits' scores, best first, as float32."""
        return np.array([hit.score for hit in self.hits], dtype=np.float32)

    @classmethod
    def from_message(cls, message: collections_pb2.SearchResponse) -> "SearchResult":
        usage = Usage()
        usage.add(message.usage)
        return cls([SearchHit(h.id, h.score, dict(h.metadata), [MatchedWord.from_message(m) for m in h.matches],
                              [MatchedPatch.from_message(m) for m in h.matched_patches])
                    for h in message.hits], usage)


@dataclass
class ScoreResult:
    """MaxSim scores of documents against one query.

    Attributes:
        scores: ``(n,)`` float32, one per document, in the order given.
        usage: the embedding work it took.
    """

    scores: np.ndarray
    usage: Usage = field(default_factory=Usage)


@dataclass
class UpsertResult:
    """What an upsert wrote: ``upserted`` documents, and the embedding work (``usage``)."""

    upserted: int
    usage: Usage = field(default_factory=Usage)
