"""One TCP connection to a server, shared by many requests in flight (threaded).

Requests are written by whichever thread calls :meth:`Connection.submit`; one reader thread
reads every Response and completes the future registered under its id, so answers may arrive in
any order and a slow request never blocks a fast one. When the stream breaks (closed, garbage,
an oversized frame, an id-0 error after which the server closes), every request still waiting
fails with the same exception and the connection is dead; :class:`multiembed.Client` then opens
a new one for the next call.
"""

from __future__ import annotations

import socket
import ssl
import threading
from concurrent.futures import Future
from typing import Dict, Optional

from google.protobuf.message import DecodeError

from .errors import ConnectionLost, MultiEmbedError, ProtocolError, error_from_status
from .framing import FrameDecoder, encode_frame
from .tls import TLSStream
from .v1 import envelope_pb2

__all__ = ["Connection"]

_READ_BYTES = 1 << 20


class Connection:
    """A connected socket, its reader thread and the requests waiting for an answer.

    Args:
        host, port: the server's address.
        connect_timeout: seconds to wait for the TCP connection (and the TLS handshake).
        max_response_bytes: the longest frame accepted from the server.
        tls: the context to speak TLS with (verifying the server's certificate), or None.
        server_name: the name the server's certificate must be valid for (default: ``host``).
    """

    def __init__(self, host: str, port: int, *, connect_timeout: Optional[float], max_response_bytes: int,
                 tls: Optional[ssl.SSLContext] = None, server_name: Optional[str] = None) -> None:
        try:
            self._socket = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as error:
            raise ConnectionLost(f"cannot connect to {host}:{port}: {error}") from error
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._tls: Optional[TLSStream] = None
        if tls is not None:
            try:
                self._tls = TLSStream(self._socket, tls, server_name or host, host, port)
            except MultiEmbedError:
                self._socket.close()
                raise
        self._socket.settimeout(None)  # the reader blocks; callers bound their own waits
        self._decoder = FrameDecoder(max_response_bytes)
        self._lock = threading.Lock()  # guards _pending, _next_id, _error
        self._send_lock = threading.Lock()  # one frame at a time on the socket
        self._pending: Dict[int, "Future[envelope_pb2.Response]"] = {}
        self._next_id = 1
        self._error: Optional[MultiEmbedError] = None
        self._reader = threading.Thread(target=self._read_loop, name=f"multiembed-reader-{host}:{port}", daemon=True)
        self._reader.start()

    @property
    def closed(self) -> bool:
        """True once the connection has failed or been closed; it cannot be reused."""
        return self._error is not None

    def submit(self, request: envelope_pb2.Request) -> "Future[envelope_pb2.Response]":
        """Sends ``request`` under a fresh id (written into it) and returns the future of its answer.

        The future fails with :class:`ConnectionLost` (or the error that broke the connection)
        if the answer never comes.
        """
        future: "Future[envelope_pb2.Response]" = Future()
        with self._lock:
            if self._error is not None:
                future.set_exception(self._error)
                return future
            request.id = self._next_id
            self._next_id += 1
            self._pending[request.id] = future  # registered before sending: the answer may be fast
        frame = encode_frame(request.SerializeToString())
        try:
            if self._tls is not None:
                self._tls.sendall(frame)  # ordered by the stream's own lock
            else:
                with self._send_lock:
                    self._socket.sendall(frame)
        except OSError as error:
            self._fail(ConnectionLost(f"sending to the server failed: {error}"))
        return future

    def forget(self, request_id: int) -> None:
        """Stops waiting for ``request_id`` (its caller gave up); a late answer is dropped."""
        with self._lock:
            self._pending.pop(request_id, None)

    def close(self) -> None:
        """Closes the socket; requests still waiting fail with :class:`ConnectionLost`."""
        self._fail(ConnectionLost("the client closed the connection"))
        if self._reader is not threading.current_thread():
            self._reader.join(timeout=5)

    def _read_loop(self) -> None:
        try:
            while True:
                data = self._tls.recv(_READ_BYTES) if self._tls is not None else self._socket.recv(_READ_BYTES)
                if not data:
                    reason = ("the server closed the connection in the middle of a frame" if self._decoder.in_frame
                              else "the server closed the connection")
                    self._fail(ConnectionLost(reason))
                    return
                for frame in self._decoder.feed(data):
                    self._dispatch(frame)
        except MultiEmbedError as error:  # FrameTooLarge, ProtocolError, an id-0 error
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
            # The server could not tell which request this is about, and closes the connection
            # after it: it is the fate of every request on this connection.
            raise error_from_status(response.status) if response.status.code else ProtocolError(
                "the server sent a Response with id 0 and status OK")
        with self._lock:
            future = self._pending.pop(response.id, None)
        if future is not None and not future.done():
            future.set_result(response)

    def _fail(self, error: MultiEmbedError) -> None:
        with self._lock:
            if self._error is None:
                self._error = error
            pending, self._pending = self._pending, {}
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._socket.close()
        for future in pending.values():
            if not future.done():
                future.set_exception(error)
