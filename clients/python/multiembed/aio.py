"""The asyncio client: the same calls as :class:`multiembed.Client`, as coroutines.

One connection per client, opened on first use and reopened after it drops; a reader task
routes answers by id to the futures of the calls waiting for them, so any number of calls may
be awaited concurrently (``asyncio.gather``) over the one connection. Use it from one event
loop only.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, TypeVar, Union

from google.protobuf.message import DecodeError

from .batching import Chunk, EmbedOptions, effective_batch_size, iter_chunks
from . import late_interaction as late
from .client import DEFAULT_PORT, EmbedOutput, arrays_of, checked_body, model_info
from .encodings import Encoding
from .errors import ConnectionLost, DeadlineExceeded, MultiEmbedError, ProtocolError, error_from_status
from .framing import DEFAULT_MAX_RESPONSE_BYTES, FrameDecoder, encode_frame
from .inputs import ImageLike, Page, PatchesLike, collect_inputs
from .progress import make_progress
from .tls import describe_handshake_failure, make_context
from .late_interaction import Source
from .results import (CollectionInfo, CollectionKind, Document, EmbedResult, Metric, Precision, ResultBuilder, ScoreResult,
                      SearchMode, SearchResult, UpsertResult)
from .v1 import envelope_pb2, health_pb2, info_pb2

__all__ = ["AsyncClient"]

_READ_BYTES = 1 << 20

T = TypeVar("T")


class _AsyncConnection:
    """A stream pair, its reader task and the requests waiting for an answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, max_response_bytes: int) -> None:
        self._reader = reader
        self._writer = writer
        self._decoder = FrameDecoder(max_response_bytes)
        self._pending: Dict[int, "asyncio.Future[envelope_pb2.Response]"] = {}
        self._next_id = 1
        self._error: Optional[MultiEmbedError] = None
        self._task = asyncio.get_running_loop().create_task(self._read_loop())

    @property
    def closed(self) -> bool:
        return self._error is not None

    async def submit(self, request: envelope_pb2.Request) -> "asyncio.Future[envelope_pb2.Response]":
        future: "asyncio.Future[envelope_pb2.Response]" = asyncio.get_running_loop().create_future()
        if self._error is not None:
            future.set_exception(self._error)
            return future
        request.id = self._next_id
        self._next_id += 1
        self._pending[request.id] = future
        try:
            self._writer.write(encode_frame(request.SerializeToString()))
            await self._writer.drain()
        except OSError as error:
            self._fail(ConnectionLost(f"sending to the server failed: {error}"))
        return future

    def forget(self, request_id: int) -> None:
        self._pending.pop(request_id, None)

    async def close(self) -> None:
        self._fail(ConnectionLost("the client closed the connection"))
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):
            pass

    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self._reader.read(_READ_BYTES)
                if not data:
                    reason = ("the server closed the connection in the middle of a frame" if self._decoder.in_frame
                              else "the server closed the connection")
                    self._fail(ConnectionLost(reason))
                    return
                for frame in self._decoder.feed(data):
                    self._dispatch(frame)
        except MultiEmbedError as error:
            self._fail(error)
        except OSError as error:
            self._fail(ConnectionLost(f"reading from the server failed: {error}"))

    def _dispatch(self, frame: bytes) -> None:
        response = envelope_pb2.Response()
        try:
            response.ParseFromString(frame)
        except DecodeError as error:
            raise ProtocolError(f"the server sent {len(frame)} bytes that are not a Response: {error}") from error
        if response.id == 0:
            raise error_from_status(response.status) if response.status.code else ProtocolError(
                "the server sent a Response with id 0 and status OK")
        future = self._pending.pop(response.id, None)
        if future is not None and not future.done():
            future.set_result(response)

    def _fail(self, error: MultiEmbedError) -> None:
        if self._error is None:
            self._error = error
        pending, self._pending = self._pending, {}
        self._writer.close()
        for future in pending.values():
            if not future.done():
                future.set_exception(error)


class AsyncClient:
    """An asyncio connection to a MultiEmbed server; arguments as :class:`multiembed.Client`.

    ``async with AsyncClient(...) as client: vectors = await client.embed(["a cat"])``.
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
        self._connection: Optional[_AsyncConnection] = None
        self._connecting: Optional[asyncio.Lock] = None
        self._info: Optional[info_pb2.InfoResponse] = None

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the connection (a later call opens a new one)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def info(self, *, refresh: bool = False) -> info_pb2.InfoResponse:
        """The server's version, models and limits (cached; see :meth:`multiembed.Client.info`)."""
        if self._info is None or refresh:
            self._info = (await self._call(envelope_pb2.Request(info=info_pb2.InfoRequest()))).info
        return self._info

    async def health(self) -> health_pb2.HealthResponse:
        """Whether the server is serving, and its queue depth."""
        return (await self._call(envelope_pb2.Request(health=health_pb2.HealthRequest()))).health

    async def embed(
        self,
        texts: Union[None, str, Sequence[str]] = None,
        images: Union[None, ImageLike, Sequence[ImageLike]] = None,
        patches: Optional[Sequence[PatchesLike]] = None,
        pages: Union[None, Page, Sequence[Page]] = None,
        *,
        dequantize: bool = False,
        **options: Any,
    ) -> EmbedOutput:
        """Embeds texts, images, patches and pages; see :meth:`multiembed.Client.embed` for every option."""
        result, single = await self._embed(texts, images, patches, pages=pages, **options)
        return arrays_of(result, dequantize, single)

    async def embed_result(
        self,
        texts: Union[None, str, Sequence[str]] = None,
        images: Union[None, ImageLike, Sequence[ImageLike]] = None,
        patches: Optional[Sequence[PatchesLike]] = None,
        pages: Union[None, Page, Sequence[Page]] = None,
        **options: Any,
    ) -> EmbedResult:
        """As :meth:`multiembed.Client.embed_result`."""
        return (await self._embed(texts, images, patches, pages=pages, **options))[0]

    # -- late interaction (each as the Client method of the same name) ----------------------

    async def create_collection(self, name: str, *, model: Optional[str] = None, dimension: Optional[int] = None,
                                precision: Union[str, Precision] = "float32", pool_factor: int = 1,
                                max_vectors: Optional[int] = None, vectors_only: bool = False,
                                kind: Union[str, CollectionKind] = "multi_vector",
                                deadline: Optional[float] = None) -> CollectionInfo:
        """Creates an empty collection; see :meth:`multiembed.Client.create_collection`."""
        return await self._run_plan(late.create_collection_plan(
            name, model=model, dimension=dimension, precision=precision, pool_factor=pool_factor,
            max_vectors=max_vectors, vectors_only=vectors_only, kind=kind), deadline)

    async def list_collections(self, *, deadline: Optional[float] = None) -> List[CollectionInfo]:
        """Every collection; see :meth:`multiembed.Client.list_collections`."""
        return await self._run_plan(late.list_collections_plan(), deadline)

    async def drop_collection(self, name: str, *, deadline: Optional[float] = None) -> None:
        """Deletes a collection; see :meth:`multiembed.Client.drop_collection`."""
        await self._run_plan(late.drop_collection_plan(name), deadline)

    async def upsert(self, collection: str, ids: Sequence[str], documents: Optional[Sequence[Optional[Source]]] = None,
                     *, metadata: Optional[Sequence[Optional[Mapping[str, str]]]] = None,
                     pooled: Optional[Sequence[Any]] = None,
                     prompt_name: Optional[str] = None, instruction: Optional[str] = None, truncate: str = "end",
                     batch_size: Optional[int] = None, deadline: Optional[float] = None) -> UpsertResult:
        """Inserts or replaces documents; see :meth:`multiembed.Client.upsert`."""
        limits = (await self.info()).limits
        return await self._run_plan(late.upsert_plan(
            collection, ids, documents, metadata=metadata, pooled=pooled, prompt_name=prompt_name,
            instruction=instruction, truncate=truncate, batch_size=batch_size, limits=limits), deadline)

    async def delete(self, collection: str, ids: Sequence[str], *, deadline: Optional[float] = None) -> int:
        """Deletes documents by id; see :meth:`multiembed.Client.delete`."""
        limits = (await self.info()).limits
        return await self._run_plan(late.delete_plan(collection, ids, limits=limits), deadline)

    async def get(self, collection: str, ids: Sequence[str], *, include_vectors: bool = False,
                  deadline: Optional[float] = None) -> List[Document]:
        """Reads documents by id; see :meth:`multiembed.Client.get`."""
        limits = (await self.info()).limits
        return await self._run_plan(late.get_plan(collection, ids, include_vectors=include_vectors, limits=limits),
                                    deadline)

    async def search(self, collection: str, query: Optional[Source] = None, *, top_k: int = late.DEFAULT_TOP_K,
                     filter_ids: Optional[Sequence[str]] = None, filter_metadata: Optional[Mapping[str, str]] = None,
                     mode: Union[None, str, SearchMode] = None, metric: Union[str, Metric] = "cosine",
                     candidates: Optional[int] = None, query_pooled: Any = None, include_matches: bool = False,
                     prompt_name: Optional[str] = None, instruction: Optional[str] = None, truncate: str = "end",
                     deadline: Optional[float] = None) -> SearchResult:
        """A collection's best documents for a query; see :meth:`multiembed.Client.search`."""
        return await self._run_plan(late.search_plan(
            collection, query, top_k=top_k, filter_ids=filter_ids, filter_metadata=filter_metadata, mode=mode,
            metric=metric, candidates=candidates, query_pooled=query_pooled, include_matches=include_matches,
            prompt_name=prompt_name, instruction=instruction, truncate=truncate), deadline)

    async def score(self, query: Source, documents: Sequence[Source], *, model: Optional[str] = None,
                    collection: Optional[str] = None, query_prompt_name: Optional[str] = None, query_instruction: Optional[str] = None,
                    document_prompt_name: Optional[str] = None, document_instruction: Optional[str] = None,
                    truncate: str = "end", batch_size: Optional[int] = None,
                    deadline: Optional[float] = None) -> ScoreResult:
        """MaxSim scores of documents against a query; see :meth:`multiembed.Client.score`."""
        limits = (await self.info()).limits
        return await self._run_plan(late.score_plan(
            query, documents, model=model, collection=collection, query_prompt_name=query_prompt_name, query_instruction=query_instruction,
            document_prompt_name=document_prompt_name, document_instruction=document_instruction,
            truncate=truncate, batch_size=batch_size, limits=limits), deadline)

    async def _run_plan(self, plan: "late.Plan[T]", deadline: Optional[float]) -> T:
        """Sends each request of a late-interaction plan and returns the plan's result."""
        try:
            request, offset = next(plan)
            while True:
                try:
                    response = await self._call(request, deadline)
                except MultiEmbedError as error:
                    raise late.shift_input_errors(error, offset) from None
                request, offset = plan.send(checked_body(request, response))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def _embed(self, texts: Any, images: Any, patches: Any, *, pages: Any = None, batch_size: Optional[int] = None,
                     patch_size: Optional[int] = None, deadline: Optional[float] = None,
                     show_progress_bar: bool = False, model: Optional[str] = None,
                     encoding: Union[str, Encoding] = "float32", **rest: Any) -> Tuple[EmbedResult, bool]:
        options = EmbedOptions.create(model=model, encoding=encoding, **rest)
        info = await self.info()
        if patches is not None and patch_size is None:
            patch_size = model_info(info, model).patch_size or None
        builders, single = collect_inputs(texts, images, patches, patch_size, pages)
        chunks = iter(iter_chunks(builders, options,
                                  batch_size=effective_batch_size(batch_size, info.limits.max_inputs_per_request),
                                  max_frame_bytes=info.limits.max_frame_bytes))
        builder = ResultBuilder(len(builders), options.encoding, options.pooled, options.multi_vector)
        progress = make_progress(len(builders), show_progress_bar)
        tasks: Set["asyncio.Task[Tuple[Chunk, envelope_pb2.Response]]"] = set()
        try:
            exhausted = False
            while True:
                while not exhausted and len(tasks) < self.max_in_flight:
                    chunk = next(chunks, None)
                    if chunk is None:
                        exhausted = True
                        break
                    tasks.add(asyncio.ensure_future(self._send_chunk(chunk, deadline)))
                if not tasks:
                    break
                done, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                failures = [task.exception() for task in done]  # retrieve every one, raise the first
                for failure in failures:
                    if failure is not None:
                        raise failure
                for task in done:
                    chunk, response = task.result()
                    builder.add(chunk.offset, chunk.size, response.embed, response.status)
                    progress.update(chunk.size)
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            progress.close()
        return builder.finish(), single

    async def _send_chunk(self, chunk: Chunk, deadline: Optional[float]) -> Tuple[Chunk, envelope_pb2.Response]:
        try:
            return chunk, await self._call(chunk.request, deadline)
        except MultiEmbedError as error:
            if error.input_errors:  # request-local indexes -> the caller's
                error = type(error)(error.message, code=error.code, input_errors=[
                    type(e)(e.index + chunk.offset, e.code, e.message) for e in error.input_errors])
            raise error

    async def _call(self, request: envelope_pb2.Request, deadline: Optional[float] = None) -> envelope_pb2.Response:
        """Sends one request (retrying on a dropped connection) and returns its OK answer."""
        for attempt in range(self.max_retries + 1):
            if self.api_key:
                request.api_key = self.api_key
            if deadline is not None:
                request.deadline_ms = max(1, int(round(deadline * 1000)))
            connection = await self._connect()
            future = await connection.submit(request)
            try:
                response = await asyncio.wait_for(asyncio.shield(future), self.timeout)
            except ConnectionLost:
                if attempt >= self.max_retries:
                    raise
                continue
            except asyncio.TimeoutError:
                connection.forget(request.id)
                raise DeadlineExceeded(f"no answer within the client's timeout of {self.timeout} s") from None
            except asyncio.CancelledError:
                connection.forget(request.id)
                raise
            if response.status.code != 0:
                raise error_from_status(response.status)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def _connect(self) -> _AsyncConnection:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._connection is None or self._connection.closed:
                if self._connection is not None:
                    self._info = None
                tls: Dict[str, Any] = {}
                if self.tls_context is not None:
                    tls = {"ssl": self.tls_context, "server_hostname": self.server_name or self.host}
                try:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(self.host, self.port, limit=_READ_BYTES, **tls), self.timeout)
                except ssl.SSLError as error:  # certificate refused, or no TLS on the port
                    raise describe_handshake_failure(
                        error, self.host, self.port, self.server_name or self.host) from error
                except (OSError, asyncio.TimeoutError) as error:
                    if self.tls_context is not None and isinstance(error, (ConnectionResetError, ConnectionAbortedError)):
                        raise describe_handshake_failure(
                            error, self.host, self.port, self.server_name or self.host) from error
                    raise ConnectionLost(f"cannot connect to {self.host}:{self.port}: {error}") from error
                self._connection = _AsyncConnection(reader, writer, self.max_response_bytes)
            return self._connection
