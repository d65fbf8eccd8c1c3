"""The synchronous client: ``Client(host, port).embed(texts=[...])`` returns numpy arrays, and
the late-interaction calls (collections, upsert, search, score) return dataclasses.

One :class:`Client` holds one connection, opened on first use and reopened after it drops, and
is safe to share between threads: every call sends its requests and waits on its own futures,
while the connection's reader thread routes answers by id. A large call is cut into requests
under the server's limits (read once from ``info()``) that are in flight together, up to
``max_in_flight`` of them, so the server's batcher stays fed.
"""

from __future__ import annotations

import ssl
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union

import numpy as np

from .batching import Chunk, EmbedOptions, effective_batch_size, iter_chunks
from .connection import Connection
from .encodings import Encoding
from . import late_interaction as late
from .errors import (ConnectionLost, DeadlineExceeded, InputErrors, MultiEmbedError, NotFound, ProtocolError,
                     error_from_status)
from .framing import DEFAULT_MAX_RESPONSE_BYTES
from .inputs import ImageLike, Page, PatchesLike, collect_inputs
from .progress import make_progress
from .tls import make_context
from .late_interaction import Source
from .results import (CollectionInfo, CollectionKind, Document, EmbedResult, Metric, Precision, ResultBuilder, ScoreResult,
                      SearchMode, SearchResult, UpsertResult)
from .v1 import envelope_pb2, health_pb2, info_pb2

__all__ = ["Client", "EmbedOutput", "DEFAULT_PORT"]

DEFAULT_PORT = 7878
"""The port ``multiembed serve`` listens on by default."""

T = TypeVar("T")

EmbedOutput = Union[np.ndarray, List[np.ndarray], Tuple[np.ndarray, List[np.ndarray]]]


class Client:
    """A connection to a MultiEmbed server.

    Args:
        host: the server's host name or address.
        port: its port.
        api_key: sent with every request when the server was started with API keys.
        timeout: seconds to wait for each request's answer (and for connecting); None waits
            forever. Expiry raises :class:`~multiembed.DeadlineExceeded`. Unlike ``deadline``,
            the server does not know about it and finishes the work anyway.
        max_retries: times a request is sent again on a new connection when the connection
            drops before its answer arrives (every request is idempotent, so this is safe).
        max_in_flight: requests of one ``embed`` call sent before the first answer is awaited.
        max_response_bytes: the longest frame accepted from the server; a longer announced
            length raises :class:`~multiembed.errors.FrameTooLarge` without allocating it.
        tls: speak TLS to a server started with ``--tls-cert``/``--tls-key``, verifying its
            certificate against the system's trust store (True), or with your own
            :class:`ssl.SSLContext`. False (the default): plain TCP, unless ``ca_file`` is given.
        ca_file: a PEM file of CA certificates to trust instead of the system's (implies TLS);
            the context is ``ssl.create_default_context(cafile=ca_file)``.
        server_name: the name the server's certificate must be valid for, when it is not
            ``host`` (connecting by address to a server whose certificate names it). A failed
            handshake (untrusted certificate, wrong name, no TLS on the port) raises
            :class:`~multiembed.TLSError`.

    Use it as a context manager, or call :meth:`close`, to close the connection.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        api_key: Optional[str] = None,
        timeout: Optional[float] = 30.0,
        *,
        max_retries: int = 2,
        max_in_flight: int = 8,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        tls: Union[bool, ssl.SSLContext] = False,
        ca_file: Optional[str] = None,
        server_name: Optional[str] = None,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        self.tls_context = make_context(tls, ca_file)
        self.server_name = server_name
        self.host = host
        self.port = port
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_in_flight = max_in_flight
        self.max_response_bytes = max_response_bytes
        self._lock = threading.Lock()
        self._connection: Optional[Connection] = None
        self._info: Optional[info_pb2.InfoResponse] = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(host={self.host!r}, port={self.port}{', tls=True' if self.tls_context else ''})"

    def close(self) -> None:
        """Closes the connection (a later call opens a new one)."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    # -- calls -------------------------------------------------------------------------------

    def info(self, *, refresh: bool = False) -> info_pb2.InfoResponse:
        """The server's version, models (the first is the default) and limits.

        Cached: a server's description is stable for the life of its process. ``refresh``
        asks again (the cache is also dropped when the client reconnects).
        """
        info = self._info
        if info is None or refresh:
            request = envelope_pb2.Request(info=info_pb2.InfoRequest())
            info = self._call(request).info
            self._info = info
        return info

    def health(self) -> health_pb2.HealthResponse:
        """Whether the server is serving (``status``) and its queue depth. Never cached.

        ``health().status == multiembed.SERVING`` means the server takes embedding work.
        """
        return self._call(envelope_pb2.Request(health=health_pb2.HealthRequest())).health

    def embed(
        self,
        texts: Union[None, str, Sequence[str]] = None,
        images: Union[None, ImageLike, Sequence[ImageLike]] = None,
        patches: Optional[Sequence[PatchesLike]] = None,
        pages: Union[None, Page, Sequence[Page]] = None,
        *,
        model: Optional[str] = None,
        prompt_name: Optional[str] = None,
        instruction: Optional[str] = None,
        dimensions: Optional[int] = None,
        normalize: Optional[bool] = None,
        encoding: Union[str, Encoding] = "float32",
        multi_vector: bool = False,
        output: Optional[str] = None,
        truncate: str = "end",
        all_or_nothing: bool = False,
        dequantize: bool = False,
        batch_size: Optional[int] = None,
        patch_size: Optional[int] = None,
        deadline: Optional[float] = None,
        show_progress_bar: bool = False,
    ) -> EmbedOutput:
        """Embeds texts, images, patch grids and pages; returns numpy arrays.

        Rows come in input order: texts, then images, then patches, then pages. A single ``str``
        text, a single image or a single :class:`~multiembed.Page` (not in a list) returns one
        vector rather than a batch of one.

        Args:
            texts: strings (valid UTF-8).
            images: PNG/JPEG file paths, file bytes, or PIL images.
            patches: preprocessed patch grids (see :func:`multiembed.inputs.patches_input`).
            pages: :class:`~multiembed.Page` values (a page image or a PDF page), read by the
                server into text and embedded as it (the model needs a text tower); the text
                read is in :meth:`embed_result`'s ``page_texts``.
            model: a model name from ``info()``; None = the server's default model.
            prompt_name: a prompt the model defines ("query", "document", ...); ``""`` = none.
            instruction: free text prepended to every text; ``""`` = no prompt at all.
                With neither, the model's default prompt applies.
            dimensions: Matryoshka truncation of pooled vectors (then re-normalised).
            normalize: L2-normalise pooled vectors; None = the model's default.
            encoding: "float32", "float16", "int8" or "binary" (see :mod:`multiembed.encodings`).
            multi_vector: one vector per token / patch instead of one per input.
            output: "pooled", "multi_vector" or "both" (overrides ``multi_vector``).
            truncate: over-long texts: "end" (keep the start), "start", or "error".
            all_or_nothing: one bad input fails the call (per request, see below).
            dequantize: return float32 whatever the encoding (int8 times its scale, binary as
                +1/-1), e.g. to save bandwidth with float16 but compute in float32.
            batch_size: inputs per request (default 32, capped by the server's limit).
            patch_size: for ``(rows, cols, c*p*p)`` patch arrays; default the model's.
            deadline: seconds the server may take per request before dropping it
                (``DeadlineExceeded``).
            show_progress_bar: a progress bar over the inputs (tqdm if installed).

        Returns:
            pooled output: ``(n, d)`` array (float32, float16, int8, or uint8 packed bits);
            multi-vector: a list of ``(tokens, d)`` arrays; both: the tuple ``(pooled, list)``.
            For int8's scales, use :meth:`embed_result` or ``dequantize=True``.

        Raises:
            InputErrors: some inputs failed (``.input_errors``, ``.result`` has the others).
            MultiEmbedError: a subclass per status code for a failed request; since a large
                call is several requests, ``all_or_nothing`` holds per request, and the
                first failure stops the call.
        """
        options = EmbedOptions.create(
            model=model, prompt_name=prompt_name, instruction=instruction, dimensions=dimensions,
            normalize=normalize, encoding=encoding, multi_vector=multi_vector, output=output,
            truncate=truncate, all_or_nothing=all_or_nothing)
        result, single = self._embed(options, texts, images, patches, batch_size, patch_size, deadline,
                                     show_progress_bar, pages)
        return arrays_of(result, dequantize, single)

    def embed_result(
        self,
        texts: Union[None, str, Sequence[str]] = None,
        images: Union[None, ImageLike, Sequence[ImageLike]] = None,
        patches: Optional[Sequence[PatchesLike]] = None,
        pages: Union[None, Page, Sequence[Page]] = None,
        *,
        model: Optional[str] = None,
        prompt_name: Optional[str] = None,
        instruction: Optional[str] = None,
        dimensions: Optional[int] = None,
        normalize: Optional[bool] = None,
        encoding: Union[str, Encoding] = "float32",
        multi_vector: bool = False,
        output: Optional[str] = None,
        truncate: str = "end",
        all_or_nothing: bool = False,
        batch_size: Optional[int] = None,
        patch_size: Optional[int] = None,
        deadline: Optional[float] = None,
        show_progress_bar: bool = False,
    ) -> EmbedResult:
        """As :meth:`embed`, but returns the whole :class:`~multiembed.EmbedResult`: int8 scales,
        truncation flags, usage, the text layers of pages (``page_texts``), and per-input errors
        instead of an :class:`InputErrors`."""
        options = EmbedOptions.create(
            model=model, prompt_name=prompt_name, instruction=instruction, dimensions=dimensions,
            normalize=normalize, encoding=encoding, multi_vector=multi_vector, output=output,
            truncate=truncate, all_or_nothing=all_or_nothing)
        return self._embed(options, texts, images, patches, batch_size, patch_size, deadline, show_progress_bar,
                           pages)[0]

    # -- late interaction ----------------------------------------------------------------------

    def create_collection(
        self,
        name: str,
        *,
        model: Optional[str] = None,
        dimension: Optional[int] = None,
        precision: Union[str, Precision] = "float32",
        pool_factor: int = 1,
        max_vectors: Optional[int] = None,
        vectors_only: bool = False,
        kind: Union[str, CollectionKind] = "multi_vector",
        deadline: Optional[float] = None,
    ) -> CollectionInfo:
        """Creates an empty collection, stored durably by the server: of multi-vector documents
        (searched by MaxSim, and by dense or hybrid search through their pooled vectors), or of
        dense ones (one pooled vector per document).

        Args:
            name: 1 to 128 ASCII letters, digits, ``-``, ``_`` and ``.``, not starting with ``.``.
            model: the model that embeds the collection's inputs (upserted documents, text
                queries); None = the server's default model.
            dimension: values per vector; None = the model's ``token_dimension`` (a dense
                collection: its pooled ``dimension``).
            precision: storage: "float32" (default), "float16", "int8" or "binary". A dense
                collection stores float32 and takes no other.
            pool_factor: token pooling at upsert: about ``count / pool_factor`` vectors kept per
                document (1 = none). Not for a dense collection.
            max_vectors: keep only a document's first ``max_vectors`` vectors; None = all. Not
                for a dense collection.
            vectors_only: the collection takes precomputed vectors only (give ``dimension``).
            kind: "multi_vector" (default) or "dense" (a :class:`CollectionKind`).
            deadline: seconds the server may take.

        Returns:
            the collection as created.

        Raises:
            AlreadyExists: the name is taken. NotFound: no such model. InvalidArgument: a bad
            name or option, or (multi-vector) a model without multi-vector output.
        """
        return self._run_plan(late.create_collection_plan(
            name, model=model, dimension=dimension, precision=precision, pool_factor=pool_factor,
            max_vectors=max_vectors, vectors_only=vectors_only, kind=kind), deadline)

    def list_collections(self, *, deadline: Optional[float] = None) -> List[CollectionInfo]:
        """Every collection on the server, with its document count."""
        return self._run_plan(late.list_collections_plan(), deadline)

    def drop_collection(self, name: str, *, deadline: Optional[float] = None) -> None:
        """Deletes a collection and all its documents, durably. Raises NotFound when there is none."""
        self._run_plan(late.drop_collection_plan(name), deadline)

    def upsert(
        self,
        collection: str,
        ids: Sequence[str],
        documents: Optional[Sequence[Optional[Source]]] = None,
        *,
        metadata: Optional[Sequence[Optional[Mapping[str, str]]]] = None,
        pooled: Optional[Sequence[Any]] = None,
        prompt_name: Optional[str] = None,
        instruction: Optional[str] = None,
        truncate: str = "end",
        batch_size: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> UpsertResult:
        """Inserts documents, or replaces those whose id exists; returns once they are durable.

        Args:
            collection: the collection's name.
            ids: one unique id per document (1 to 256 bytes).
            documents: one per id, each a text (``str``), an image (a ``pathlib.Path``, file
                bytes or a PIL image; a ``str`` is always text), a :class:`PatchGrid`, or
                precomputed ``(count, dimension)`` vectors (numpy array or list of lists),
                which the server L2-normalises. See :mod:`multiembed.late_interaction`. None
                (or a None entry) = no source: the document is its ``pooled`` vector alone (a
                dense collection's document).
            metadata: one dict of str to str (or None) per id, returned with the document.
            pooled: one pooled vector (a ``(dimension,)`` numpy array or list of floats, or
                None) per id, or an ``(n, dimension)`` array: the document's vector for dense
                and hybrid search, stored as given. In a dense collection, give it instead of a
                source; in a multi-vector collection it may go with the source (unset, the
                server stores the model's pooled embedding of an input, and a document given
                as vectors has none).
            prompt_name, instruction: the prompt for text documents, as in :meth:`embed`;
                neither = the model's document convention.
            truncate: over-long texts: "end", "start" or "error".
            batch_size: documents per request (default and cap: the server's limits). Each
                request is all or nothing, and they are sent in order: when one fails, the
                documents of the requests before it are written.
            deadline: seconds the server may take per request.

        Raises:
            InvalidArgument: a bad document (``input_errors`` has each culprit's index in
                ``documents``), a repeated id, a document with neither source nor pooled
                vector, mismatched lengths, or vectors as a dense collection's source.
                NotFound: no such collection. FailedPrecondition: vectors or a pooled vector
                that do not fit the collection's dimension.
        """
        limits = self.info().limits
        return self._run_plan(late.upsert_plan(
            collection, ids, documents, metadata=metadata, pooled=pooled, prompt_name=prompt_name,
            instruction=instruction, truncate=truncate, batch_size=batch_size, limits=limits), deadline)

    def delete(self, collection: str, ids: Sequence[str], *, deadline: Optional[float] = None) -> int:
        """Deletes documents by id, durably; returns how many existed. Unknown ids are not an error."""
        limits = self.info().limits
        return self._run_plan(late.delete_plan(collection, ids, limits=limits), deadline)

    def get(self, collection: str, ids: Sequence[str], *, include_vectors: bool = False,
            deadline: Optional[float] = None) -> List[Document]:
        """The documents among ``ids`` that exist, in the order asked (missing ids are left out),
        with their metadata and, with ``include_vectors``, their stored vectors and pooled vector
        (when they have one) as float32."""
        limits = self.info().limits
        return self._run_plan(late.get_plan(collection, ids, include_vectors=include_vectors, limits=limits),
                              deadline)

    def search(
        self,
        collection: str,
        query: Optional[Source] = None,
        *,
        top_k: int = late.DEFAULT_TOP_K,
        filter_ids: Optional[Sequence[str]] = None,
        filter_metadata: Optional[Mapping[str, str]] = None,
        mode: Union[None, str, SearchMode] = None,
        metric: Union[str, Metric] = "cosine",
        candidates: Optional[int] = None,
        query_pooled: Any = None,
        include_matches: bool = False,
        prompt_name: Optional[str] = None,
        instruction: Optional[str] = None,
        truncate: str = "end",
        deadline: Optional[float] = None,
    ) -> SearchResult:
        """A collection's best documents for a query, best first: by MaxSim, by the similarity
        of pooled vectors (dense), or dense candidates re-ranked by MaxSim (hybrid).

        Args:
            collection: the collection's name.
            query: a text (usually), an image, a patch grid, or ``(count, dimension)`` vectors;
                may be None for a dense search given ``query_pooled``.
            top_k: how many hits at most (1 to the server's ``max_top_k``).
            filter_ids: only these documents are candidates; None = all.
            filter_metadata: only documents whose metadata has each of these keys with exactly
                this value (a dict of str to str); None = all. With ``filter_ids``, both apply.
            mode: "maxsim", "dense", "hybrid" (a :class:`SearchMode`); None = the collection's
                own (maxsim for multi-vector, dense for dense). Dense and hybrid search of a
                multi-vector collection need every document to have a pooled vector.
            metric: dense similarity (and hybrid's first stage): "cosine" (default) or "dot"
                (the normalised query against each pooled vector as stored).
            candidates: first-stage depth: hybrid's dense candidates re-ranked by MaxSim
                (default 100), or a binary collection's Hamming candidates re-scored; None =
                the server's default.
            query_pooled: the query's pooled vector (``(dimension,)``) for the dense side;
                None = the pooled embedding of ``query``. Needed when ``query`` is vectors.
            include_matches: each hit of a page document carries ``matches``: the words whose
                token vectors gave the query vectors' maxima, with their boxes and scores.
            prompt_name, instruction: the prompt for a text query; neither = the model's query
                convention.
            truncate: an over-long text query: "end", "start" or "error".
            deadline: seconds the server may take.

        Returns:
            a :class:`SearchResult`: iterate it for :class:`SearchHit` (``id``, ``score``,
            ``metadata``); ``.ids`` and ``.scores`` give the columns. Scores are MaxSim for
            maxsim and hybrid search, the metric's for dense search.

        Raises:
            InvalidArgument: a bad option, maxsim or hybrid on a dense collection, or a hybrid
            search with neither a query input nor ``query_pooled``. FailedPrecondition: dense
            or hybrid search of a collection with documents lacking a pooled vector, or a
            ``query_pooled`` of another dimension than the collection's. NotFound: no such
            collection.
        """
        return self._run_plan(late.search_plan(
            collection, query, top_k=top_k, filter_ids=filter_ids, filter_metadata=filter_metadata, mode=mode,
            metric=metric, candidates=candidates, query_pooled=query_pooled, include_matches=include_matches,
            prompt_name=prompt_name, instruction=instruction, truncate=truncate), deadline)

    def score(
        self,
        query: Source,
        documents: Sequence[Source],
        *,
        model: Optional[str] = None,
        collection: Optional[str] = None,
        query_prompt_name: Optional[str] = None,
        query_instruction: Optional[str] = None,
        document_prompt_name: Optional[str] = None,
        document_instruction: Optional[str] = None,
        truncate: str = "end",
        batch_size: Optional[int] = None,
        deadline: Optional[float] = None,
    ) -> ScoreResult:
        """MaxSim scores of documents against a query (re-ranking).

        ``query`` and each document are texts, images, patch grids or ``(count, dimension)``
        vectors, as in :meth:`upsert`; inputs are embedded by ``model`` (None = the
        collection's model when ``collection`` records one, else the server's default; another
        model than such a collection's is FailedPrecondition), with its conventions unless
        a prompt is given. Either side may also be a :class:`~multiembed.StoredId`, a document
        of ``collection``, mixed freely with the rest: stored candidates are not sent again, and
        each scores exactly what :meth:`search` reports for it. ``collection`` is needed only
        for stored ids; when given, every side must have its dimension (FailedPrecondition).
        Returns a :class:`ScoreResult` whose ``scores`` is ``(len(documents),)`` float32, in
        order. A bad document fails the call, its index in ``input_errors``: InvalidArgument
        when it fails to embed, NotFound for an id the collection does not hold (a missing
        query id is NotFound too, named in the message); an unknown collection is NotFound.
        """
        limits = self.info().limits
        return self._run_plan(late.score_plan(
            query, documents, model=model, collection=collection, query_prompt_name=query_prompt_name, query_instruction=query_instruction,
            document_prompt_name=document_prompt_name, document_instruction=document_instruction,
            truncate=truncate, batch_size=batch_size, limits=limits), deadline)

    # -- machinery ---------------------------------------------------------------------------

    def _run_plan(self, plan: "late.Plan[T]", deadline: Optional[float]) -> T:
        """Sends each request of a late-interaction plan and returns the plan's result."""
        try:
            request, offset = next(plan)
            while True:
                try:
                    response = self._call(request, deadline)
                except MultiEmbedError as error:
                    raise late.shift_input_errors(error, offset) from None
                request, offset = plan.send(checked_body(request, response))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def _embed(self, options: EmbedOptions, texts: Any, images: Any, patches: Any, batch_size: Optional[int],
               patch_size: Optional[int], deadline: Optional[float],
               show_progress_bar: bool, pages: Any = None) -> Tuple[EmbedResult, bool]:
        """Runs an embed call; returns its result and whether a single input was given."""
        info = self.info()
        if patches is not None and patch_size is None:
            patch_size = model_info(info, options.template.model).patch_size or None
        builders, single = collect_inputs(texts, images, patches, patch_size, pages)
        chunks = iter_chunks(builders, options,
                             batch_size=effective_batch_size(batch_size, info.limits.max_inputs_per_request),
                             max_frame_bytes=info.limits.max_frame_bytes)
        builder = ResultBuilder(len(builders), options.encoding, options.pooled, options.multi_vector)
        progress = make_progress(len(builders), show_progress_bar)
        try:
            self._run_chunks(chunks, builder, deadline, progress.update)
        finally:
            progress.close()
        return builder.finish(), single

    def _run_chunks(self, chunks: Any, builder: ResultBuilder, deadline: Optional[float], advance: Any) -> None:
        """Sends the chunks with at most ``max_in_flight`` waiting, placing each answer."""
        in_flight: Dict["Future[envelope_pb2.Response]", Tuple[Chunk, int, float, Connection]] = {}
        chunk_iter = iter(chunks)
        exhausted = False
        try:
            while True:
                while not exhausted and len(in_flight) < self.max_in_flight:
                    chunk = next(chunk_iter, None)
                    if chunk is None:
                        exhausted = True
                        break
                    self._start(chunk, 0, deadline, in_flight)
                if not in_flight:
                    return
                now = time.monotonic()
                expiry = min(entry[2] for entry in in_flight.values())
                done, _ = wait(list(in_flight), timeout=max(expiry - now, 0) if expiry != float("inf") else None,
                               return_when=FIRST_COMPLETED)
                if not done:
                    raise DeadlineExceeded(f"no answer within the client's timeout of {self.timeout} s")
                for future in done:
                    chunk, attempt, _, _ = in_flight.pop(future)
                    try:
                        response = future.result()
                    except ConnectionLost:
                        if attempt >= self.max_retries:
                            raise
                        self._start(chunk, attempt + 1, deadline, in_flight)
                        continue
                    if response.status.code != 0:
                        raise error_from_status(response.status, chunk.offset)
                    builder.add(chunk.offset, chunk.size, response.embed, response.status)
                    advance(chunk.size)
        finally:
            for future, (chunk, _, _, connection) in in_flight.items():
                connection.forget(chunk.request.id)

    def _start(self, chunk: Chunk, attempt: int, deadline: Optional[float],
               in_flight: Dict["Future[envelope_pb2.Response]", Tuple[Chunk, int, float, Connection]]) -> None:
        self._prepare(chunk.request, deadline)
        connection = self._connect()
        future = connection.submit(chunk.request)
        expiry = time.monotonic() + self.timeout if self.timeout is not None else float("inf")
        in_flight[future] = (chunk, attempt, expiry, connection)

    def _call(self, request: envelope_pb2.Request, deadline: Optional[float] = None) -> envelope_pb2.Response:
        """Sends one request (retrying on a dropped connection) and returns its OK answer."""
        for attempt in range(self.max_retries + 1):
            self._prepare(request, deadline)
            connection = self._connect()
            future = connection.submit(request)
            try:
                response = future.result(timeout=self.timeout)
            except ConnectionLost:
                if attempt >= self.max_retries:
                    raise
                continue
            except FutureTimeoutError:
                connection.forget(request.id)
                raise DeadlineExceeded(f"no answer within the client's timeout of {self.timeout} s") from None
            if response.status.code != 0:
                raise error_from_status(response.status)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _prepare(self, request: envelope_pb2.Request, deadline: Optional[float]) -> None:
        if self.api_key:
            request.api_key = self.api_key
        if deadline is not None:
            request.deadline_ms = max(1, int(round(deadline * 1000)))

    def _connect(self) -> Connection:
        """The open connection, or a new one if there is none or it has dropped."""
        with self._lock:
            if self._connection is None or self._connection.closed:
                if self._connection is not None:
                    self._info = None  # perhaps a restarted server, with other limits
                self._connection = Connection(self.host, self.port, connect_timeout=self.timeout,
                                              max_response_bytes=self.max_response_bytes,
                                              tls=self.tls_context, server_name=self.server_name)
            return self._connection


def checked_body(request: envelope_pb2.Request, response: envelope_pb2.Response) -> envelope_pb2.Response:
    """``response``, if its body is of the request's kind; a ProtocolError otherwise."""
    asked, got = request.WhichOneof("body"), response.WhichOneof("body")
    if asked != got:
        raise ProtocolError(f"the server answered a {asked} request with a {got or 'missing'} body")
    return response


def model_info(info: info_pb2.InfoResponse, name: Optional[str]) -> info_pb2.ModelInfo:
    """The ModelInfo of ``name`` (None: the default model, the first listed)."""
    if not info.models:
        raise NotFound("the server lists no models")
    if not name:
        return info.models[0]
    for model in info.models:
        if model.name == name:
            return model
    raise NotFound(f"the server has no model named {name!r} (it has: {', '.join(m.name for m in info.models)})")


def arrays_of(result: EmbedResult, dequantize: bool, single: bool) -> EmbedOutput:
    """What ``embed`` returns for ``result``; raises :class:`InputErrors` if inputs failed."""
    if result.errors:
        first = result.errors[0]
        raise InputErrors(f"{len(result.errors)} of {len(result.truncated)} inputs failed",
                          code=first.code, input_errors=result.errors, result=result)
    if dequantize:
        result = result.dequantized()
    arrays = result.arrays()
    if not single:
        return arrays
    if isinstance(arrays, tuple):
        return arrays[0][0], arrays[1][0]  # type: ignore[return-value]
    return arrays[0]
