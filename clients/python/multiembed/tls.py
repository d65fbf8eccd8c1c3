"""TLS for the clients: the context they verify the server with, and the threaded client's TLS stream.

A server started with ``multiembed serve --tls-cert PEM --tls-key PEM`` speaks TLS on every
door. The clients verify its certificate always (chain and host name): against the system's
trust store, or only the CA certificates of ``ca_file`` (``ssl.create_default_context(cafile=...)``).

The threaded :class:`~multiembed.connection.Connection` reads on one thread while other threads
write. One OpenSSL connection must not be used by two threads at once, so the TLS state lives in
an :class:`ssl.SSLObject` over memory buffers, touched only under a lock, while the blocking
socket reads and writes happen outside it: a large write never stops the reader, and the
records go out in the order they were made.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
from typing import List, Optional, Union

from .errors import TLSError

__all__ = ["make_context", "TLSStream", "describe_handshake_failure"]

TLSOption = Union[bool, ssl.SSLContext]


def make_context(tls: TLSOption, ca_file: Optional[str]) -> Optional[ssl.SSLContext]:
    """The context a client connects with, or None for plain TCP.

    ``tls`` may be an :class:`ssl.SSLContext` (used as it is), True (the system's trust store),
    or False; ``ca_file`` (a PEM file of CA certificates to trust instead) implies TLS.
    """
    if isinstance(tls, ssl.SSLContext):
        if ca_file is not None:
            raise ValueError("give either an ssl.SSLContext as tls or a ca_file, not both")
        return tls
    if not tls and ca_file is None:
        return None
    if ca_file is not None and not os.path.isfile(ca_file):
        raise FileNotFoundError(f"the TLS CA file {ca_file} does not exist")
    try:
        return ssl.create_default_context(cafile=ca_file)
    except ssl.SSLError as error:
        raise ValueError(f"the TLS CA file {ca_file} holds no usable PEM certificate: {error}") from error


def describe_handshake_failure(error: BaseException, host: str, port: int, server_name: str) -> TLSError:
    """A :class:`TLSError` saying why the handshake with ``host:port`` failed, for people."""
    if isinstance(error, ssl.SSLCertVerificationError):
        message = error.verify_message or str(error)
        if "hostname" in message.lower() or "ip address" in message.lower():
            reason = f"the server's certificate is not valid for the name {server_name} ({message})"
        else:
            reason = f"the server's certificate is not trusted ({message})"
    elif isinstance(error, (ssl.SSLError, ConnectionError, EOFError)):
        reason = f"the server closed the connection or does not speak TLS on this port ({error})"
    else:
        reason = f"the TLS handshake failed ({error})"
    return TLSError(f"cannot connect to {host}:{port} with TLS: {reason}")


class TLSStream:
    """A TLS connection over a connected socket, safe for one reader thread and many writers.

    The handshake runs in the constructor (bounded by the socket's timeout); a failure raises
    :class:`TLSError`. Afterwards :meth:`recv` is called by the reader thread only and
    :meth:`sendall` by any thread.
    """

    _CHUNK = 1 << 16

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, server_name: str, host: str, port: int) -> None:
        self._socket = sock
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        # An IP address is checked against the certificate's IP addresses (and not sent as SNI).
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_side=False, server_hostname=server_name)
        self._lock = threading.Lock()  # the SSLObject and its buffers
        self._send_lock = threading.Lock()  # one writer on the socket at a time, in record order
        self._backlog: List[bytes] = []  # records the reader made (TLS 1.3 post-handshake), not yet sent
        try:
            self._handshake()
        except (OSError, EOFError) as error:
            raise describe_handshake_failure(error, host, port, server_name) from error

    def _handshake(self) -> None:
        while True:
            try:
                self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._socket.sendall(self._outgoing.read())
                data = self._socket.recv(self._CHUNK)
                if not data:
                    raise ConnectionError("the server closed the connection during the TLS handshake")
                self._incoming.write(data)
        pending = self._outgoing.read()
        if pending:
            self._socket.sendall(pending)

    def sendall(self, data: bytes) -> None:
        """Encrypts ``data`` and sends it (blocking until the socket took it all)."""
        with self._send_lock:
            with self._lock:
                view = memoryview(data)
                while view:
                    written = self._tls.write(view)
                    view = view[written:]
                records = b"".join(self._backlog) + self._outgoing.read()
                self._backlog.clear()
            self._socket.sendall(records)

    def recv(self, size: int) -> bytes:
        """Up to ``size`` decrypted bytes; b"" when the server closed the connection."""
        while True:
            with self._lock:
                try:
                    data = self._tls.read(size)
                except ssl.SSLWantReadError:
                    data = None
                except ssl.SSLZeroReturnError:  # the server's close_notify
                    return b""
                if self._outgoing.pending:
                    self._backlog.append(self._outgoing.read())
            if self._backlog:
                self._flush_backlog()
            if data:
                return data
            raw = self._socket.recv(self._CHUNK)
            if not raw:
                return b""
            with self._lock:
                self._incoming.write(raw)

    def _flush_backlog(self) -> None:
        # Records the reader made (a reply to a TLS 1.3 key update) go out before any later
        # writer's: each writer sends the backlog ahead of its own records. When no writer
        # holds the socket they are sent from here; when one does, with the next write.
        if not self._send_lock.acquire(blocking=False):
            return
        try:
            with self._lock:
                records = b"".join(self._backlog)
                self._backlog.clear()
            if records:
                self._socket.sendall(records)
        finally:
            self._send_lock.release()

