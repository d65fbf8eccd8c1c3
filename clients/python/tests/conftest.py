"""A fake MultiEmbed server for the client's tests: a socket server thread that decodes Requests
with the generated classes and answers whatever the test's handler says (canned Responses, out
of order, errors, garbage, a huge length prefix, a close in the middle of a frame)."""

from __future__ import annotations

import socket
import struct
import threading
import zlib
from typing import Callable, List, Optional

import numpy as np
import pytest

from multiembed.v1 import embed_pb2, envelope_pb2, health_pb2, info_pb2, status_pb2

DIM = 8
TOKEN_DIM = 4


def text_vector(text: str, dim: int = DIM) -> np.ndarray:
    """The fake model: a deterministic unit vector per text."""
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    v = rng.standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def token_vectors(text: str) -> np.ndarray:
    """The fake multi-vector: one unit row per word."""
    return np.stack([text_vector(w, TOKEN_DIM) for w in (text.split() or [""])])


def input_key(item: embed_pb2.Input) -> str:
    kind = item.WhichOneof("kind")
    if kind == "text":
        return item.text
    if kind == "image":
        return f"image:{zlib.crc32(item.image.data)}"
    return f"patches:{item.patches.rows}x{item.patches.cols}:{zlib.crc32(item.patches.data)}"


def make_info(max_inputs: int = 0, max_frame: int = 0) -> info_pb2.InfoResponse:
    return info_pb2.InfoResponse(
        version="0.0.0-fake",
        models=[info_pb2.ModelInfo(name="fake", architecture="bert", dimension=DIM, token_dimension=TOKEN_DIM,
                                   allowed_dimensions=[DIM], patch_size=2, image_size=4, normalizes=True,
                                   image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])],
        limits=info_pb2.Limits(max_inputs_per_request=max_inputs, max_frame_bytes=max_frame))


def embed_response(request: envelope_pb2.Request, fail: Callable[[embed_pb2.Input], Optional[str]] = lambda i: None
                   ) -> envelope_pb2.Response:
    """A float32 answer from the fake model; inputs for which ``fail`` returns a message fail."""
    body = embed_pb2.EmbedResponse(model="fake")
    status = status_pb2.Status()
    want = request.embed.output
    for index, item in enumerate(request.embed.inputs):
        embedding = body.embeddings.add(index=index)
        message = fail(item)
        if message:
            status.input_errors.add(index=index, code=status_pb2.INVALID_ARGUMENT, message=message)
            continue
        key = input_key(item)
        if want != embed_pb2.OUTPUT_MULTI_VECTOR:
            embedding.pooled.dimension = DIM
            embedding.pooled.data = text_vector(key).astype("<f4").tobytes()
        if want != embed_pb2.OUTPUT_POOLED:
            rows = token_vectors(key)
            embedding.multi_vector.count = rows.shape[0]
            embedding.multi_vector.dimension = TOKEN_DIM
            embedding.multi_vector.data = rows.astype("<f4").tobytes()
    body.usage.tokens = len(request.embed.inputs)
    return envelope_pb2.Response(id=request.id, status=status, embed=body)


class FakeConnection:
    """One accepted connection, as the handler sees it."""

    def __init__(self, sock: socket.socket, index: int) -> None:
        self.sock = sock
        self.index = index  # 0 for the server's first connection, 1 for the next, ...
        self.lock = threading.Lock()

    def send(self, response: envelope_pb2.Response) -> None:
        payload = response.SerializeToString()
        self.send_raw(struct.pack(">I", len(payload)) + payload)

    def send_raw(self, data: bytes) -> None:
        with self.lock:
            self.sock.sendall(data)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


Handler = Callable[[FakeConnection, envelope_pb2.Request], None]


class FakeServer:
    """Listens on 127.0.0.1:<ephemeral>; answers Info and Health itself, and every other request
    (or every request, with ``handle_all``) with ``handler``."""

    def __init__(self, handler: Optional[Handler] = None, info: Optional[info_pb2.InfoResponse] = None,
                 handle_all: bool = False) -> None:
        self.handler = handler or (lambda conn, req: conn.send(embed_response(req)))
        self.info = info or make_info()
        self.handle_all = handle_all
        self.requests: List[envelope_pb2.Request] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while not self._stopped:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            conn = FakeConnection(sock, self.connections)
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: FakeConnection) -> None:
        buffer = b""
        try:
            while True:
                data = conn.sock.recv(65536)
                if not data:
                    return
                buffer += data
                while len(buffer) >= 4:
                    (length,) = struct.unpack(">I", buffer[:4])
                    if len(buffer) < 4 + length:
                        break
                    request = envelope_pb2.Request.FromString(buffer[4:4 + length])
                    buffer = buffer[4 + length:]
                    self.requests.append(request)
                    self._answer(conn, request)
        except OSError:
            return

    def _answer(self, conn: FakeConnection, request: envelope_pb2.Request) -> None:
        body = request.WhichOneof("body")
        if not self.handle_all and body == "info":
            conn.send(envelope_pb2.Response(id=request.id, info=self.info))
        elif not self.handle_all and body == "health":
            conn.send(envelope_pb2.Response(
                id=request.id, health=health_pb2.HealthResponse(status=health_pb2.SERVING_STATUS_SERVING, queue_depth=3)))
        else:
            self.handler(conn, request)

    @property
    def embed_requests(self) -> List[envelope_pb2.Request]:
        return [r for r in self.requests if r.WhichOneof("body") == "embed"]

    def stop(self) -> None:
        self._stopped = True
        self._listener.close()


@pytest.fixture
def fake_server():
    """A factory of FakeServers, all stopped after the test."""
    servers: List[FakeServer] = []

    def start(*args, **kwargs) -> FakeServer:
        server = FakeServer(*args, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
