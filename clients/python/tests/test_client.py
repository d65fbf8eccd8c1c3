"""The synchronous and asyncio clients against the fake server of conftest.py."""

import asyncio
import io
import socket
import struct
import threading
import time

import numpy as np
import pytest

import multiembed
from multiembed import Client, AsyncClient, StatusCode
from multiembed.v1 import embed_pb2, envelope_pb2, status_pb2

from conftest import DIM, embed_response, input_key, make_info, text_vector, token_vectors


def status_response(request, code, message="nope", input_errors=()):
    status = status_pb2.Status(code=code, message=message)
    for index in input_errors:
        status.input_errors.add(index=index, code=code, message=f"input {index} is bad")
    return envelope_pb2.Response(id=request.id, status=status)


# -- basic calls ------------------------------------------------------------------------------

def test_info_health_and_pooled_embeddings(fake_server):
    server = fake_server()
    with Client(port=server.port) as client:
        assert client.info().models[0].name == "fake"
        health = client.health()
        assert health.status == multiembed.SERVING and health.queue_depth == 3
        vectors = client.embed(["a cat", "a dog"])
        assert vectors.shape == (2, DIM) and vectors.dtype == np.float32
        np.testing.assert_array_equal(vectors[1], text_vector("a dog"))
        single = client.embed("a cat")
        assert single.shape == (DIM,)


def test_info_reports_every_limit(fake_server):
    """The hardening limits too: response size, connections per address, unread answer bytes,
    idle time, failed authentications (64-bit ones beyond 2**32)."""
    info = make_info(max_inputs=5, max_frame=1 << 20)
    info.limits.max_response_bytes = 5 << 32
    info.limits.max_connections_per_address = 16
    info.limits.max_answer_bytes_per_connection = (1 << 40) + 3
    info.limits.idle_timeout_ms = 300000
    info.limits.max_failed_authentications = 8
    server = fake_server(info=info)
    with Client(port=server.port) as client:
        limits = client.info().limits
    assert (limits.max_inputs_per_request, limits.max_frame_bytes) == (5, 1 << 20)
    assert limits.max_response_bytes == 5 << 32 and limits.max_connections_per_address == 16
    assert limits.max_answer_bytes_per_connection == (1 << 40) + 3
    assert limits.idle_timeout_ms == 300000 and limits.max_failed_authentications == 8


def test_options_reach_the_wire(fake_server):
    server = fake_server()
    with Client(port=server.port, api_key="secret") as client:
        client.embed(["x"], model="fake", prompt_name="", dimensions=4, normalize=False, encoding="float32",
                     truncate="error", all_or_nothing=True, deadline=0.25)
        client.embed(["x"], instruction="query: ")
        client.embed(["x"])
    first, second, third = server.embed_requests
    assert first.api_key == "secret" and first.deadline_ms == 250
    e = first.embed
    assert e.model == "fake" and e.WhichOneof("prompt") == "prompt_name" and e.prompt_name == ""
    assert e.dimensions == 4 and e.normalize == embed_pb2.NORMALIZE_OFF
    assert e.truncate == embed_pb2.TRUNCATE_ERROR and e.all_or_nothing
    assert second.embed.WhichOneof("prompt") == "instruction" and second.embed.instruction == "query: "
    assert third.embed.WhichOneof("prompt") is None and third.deadline_ms == 0
    assert all(r.api_key == "secret" for r in server.requests)  # info too


def test_multi_vector_and_both(fake_server):
    server = fake_server()
    with Client(port=server.port) as client:
        multi = client.embed(["one two three", "four"], multi_vector=True)
        assert [m.shape for m in multi] == [(3, 4), (1, 4)]
        np.testing.assert_array_equal(multi[0], token_vectors("one two three"))
        pooled, multi = client.embed(["one two"], output="both")
        assert pooled.shape == (1, DIM) and multi[0].shape == (2, 4)
    assert server.embed_requests[0].embed.output == embed_pb2.OUTPUT_MULTI_VECTOR


def test_images_and_patches_inputs(fake_server, tmp_path):
    server = fake_server()
    png = b"\x89PNG\r\n\x1a\n fake"
    path = tmp_path / "cat.png"
    path.write_bytes(png)
    grid = np.arange(2 * 3 * 12, dtype=np.float32).reshape(2, 3, 12)  # (rows, cols, c*p*p), p=2 from info
    with Client(port=server.port) as client:
        vectors = client.embed(texts=["t"], images=[str(path), png], patches=[grid, grid.reshape(2, 3, 3, 2, 2)])
    assert vectors.shape == (5, DIM)
    inputs = server.embed_requests[0].embed.inputs
    assert [i.WhichOneof("kind") for i in inputs] == ["text", "image", "image", "patches", "patches"]
    assert inputs[1].image.data == png and inputs[1].image.name == "cat.png"
    p = inputs[3].patches
    assert (p.rows, p.cols, p.channels, p.patch_size) == (2, 3, 3, 2)
    assert np.frombuffer(p.data, "<f4").tolist() == grid.reshape(-1).tolist()
    assert inputs[4].patches == p


def test_pil_images_are_sent_as_png(fake_server):
    Image = pytest.importorskip("PIL.Image")
    server = fake_server()
    with Client(port=server.port) as client:
        client.embed(images=[Image.new("RGB", (4, 4), (255, 0, 0))])
    assert server.embed_requests[0].embed.inputs[0].image.data.startswith(b"\x89PNG")


def test_patchify_layout():
    image = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    grid = multiembed.patchify(image, 2, mean=[0, 0, 0], std=[1, 1, 1])
    assert (grid.rows, grid.cols, grid.channels) == (2, 3, 3)
    # Patch (1, 2), channel 1, y 0, x 1 is pixel (2, 5), channel 1.
    assert grid.data[1, 2, 1, 0, 1] == pytest.approx(image[2, 5, 1] / 255)


# -- encodings through the client -------------------------------------------------------------

def quantised_server(fake_server):
    """Answers every input with the same hand-made vector in the requested encoding."""
    def handle(conn, request):
        body = embed_pb2.EmbedResponse(model="fake")
        for index, _ in enumerate(request.embed.inputs):
            e = body.embeddings.add(index=index)
            enc = request.embed.encoding
            if enc == embed_pb2.ENCODING_FLOAT16:
                e.pooled.dimension, e.pooled.data = 3, bytes([0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38])
            elif enc == embed_pb2.ENCODING_INT8:
                e.pooled.dimension, e.pooled.data, e.pooled.scale = 3, bytes([0x7F, 0xC0, 0x00]), 0.5
                e.multi_vector.count, e.multi_vector.dimension = 2, 3
                e.multi_vector.data = bytes([1, 2, 3, 0xFF, 0xFE, 0xFD])
                e.multi_vector.scales.extend([0.25, 2.0])
            elif enc == embed_pb2.ENCODING_BINARY:
                e.pooled.dimension, e.pooled.data = 10, bytes([0xA5, 0x02])
        conn.send(envelope_pb2.Response(id=request.id, embed=body))
    return fake_server(handle)


def test_float16_int8_binary_through_the_client(fake_server):
    server = quantised_server(fake_server)
    with Client(port=server.port) as client:
        half = client.embed(["a", "b"], encoding="float16")
        assert half.dtype == np.float16 and half.tolist() == [[1.0, -2.0, 0.5]] * 2
        int8 = client.embed(["a"], encoding="int8")
        assert int8.dtype == np.int8 and int8.tolist() == [[127, -64, 0]]
        result = client.embed_result(["a"], encoding="int8", output="both")
        assert result.pooled_scales.tolist() == [0.5]
        assert result.multi_vectors[0].tolist() == [[1, 2, 3], [-1, -2, -3]]
        assert result.multi_vector_scales[0].tolist() == [0.25, 2.0]
        np.testing.assert_allclose(client.embed(["a"], encoding="int8", dequantize=True), [[63.5, -32.0, 0.0]])
        dq = result.dequantized()
        np.testing.assert_allclose(dq.multi_vectors[0], [[0.25, 0.5, 0.75], [-2, -4, -6]])
        bits = client.embed(["a"], encoding="binary")
        assert bits.dtype == np.uint8 and bits.tolist() == [[0xA5, 0x02]]
        assert multiembed.unpack_bits(bits, 10).tolist() == [[1, 0, 1, 0, 0, 1, 0, 1, 0, 1]]
        assert client.embed_result(["a"], encoding="binary").dimension == 10
    encodings = [r.embed.encoding for r in server.embed_requests]
    assert encodings[:2] == [embed_pb2.ENCODING_FLOAT16, embed_pb2.ENCODING_INT8]


# -- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("code, cls", [
    (status_pb2.INVALID_ARGUMENT, multiembed.InvalidArgument),
    (status_pb2.DEADLINE_EXCEEDED, multiembed.DeadlineExceeded),
    (status_pb2.NOT_FOUND, multiembed.NotFound),
    (status_pb2.RESOURCE_EXHAUSTED, multiembed.ResourceExhausted),
    (status_pb2.FAILED_PRECONDITION, multiembed.FailedPrecondition),
    (status_pb2.DATA_LOSS, multiembed.DataLoss),
    (status_pb2.UNIMPLEMENTED, multiembed.Unimplemented),
    (status_pb2.INTERNAL, multiembed.Internal),
    (status_pb2.UNAVAILABLE, multiembed.Unavailable),
    (status_pb2.UNAUTHENTICATED, multiembed.Unauthenticated),
    (status_pb2.CANCELLED, multiembed.Cancelled),
])
def test_status_codes_raise_their_class(fake_server, code, cls):
    server = fake_server(lambda conn, req: conn.send(status_response(req, code, "the message")))
    with Client(port=server.port) as client:
        with pytest.raises(cls) as caught:
            client.embed(["x"])
    assert caught.value.code == code and caught.value.message == "the message"
    assert isinstance(caught.value, multiembed.MultiEmbedError)


def test_info_errors_too(fake_server):
    server = fake_server(lambda conn, req: conn.send(status_response(req, status_pb2.UNAUTHENTICATED)),
                         handle_all=True)
    with Client(port=server.port) as client:
        with pytest.raises(multiembed.Unauthenticated):
            client.info()


def test_per_input_errors_carry_indexes_across_requests(fake_server):
    server = fake_server(lambda conn, req: conn.send(embed_response(req, lambda i: "bad" if i.text.startswith("bad") else None)),
                         info=make_info(max_inputs=3))
    texts = ["ok0", "ok1", "ok2", "ok3", "bad4", "ok5", "ok6", "bad7"]
    with Client(port=server.port) as client:
        with pytest.raises(multiembed.InputErrors) as caught:
            client.embed(texts)
        result = client.embed_result(texts)
    assert [e.index for e in caught.value.input_errors] == [4, 7]
    assert caught.value.code == StatusCode.INVALID_ARGUMENT
    assert caught.value.result.pooled.shape == (8, DIM)
    assert [e.index for e in result.errors] == [4, 7]
    assert np.isnan(result.pooled[4]).all() and np.isnan(result.pooled[7]).all()
    np.testing.assert_array_equal(result.pooled[5], text_vector("ok5"))


def test_all_or_nothing_failure_indexes_are_shifted(fake_server):
    def handle(conn, req):
        bad = [i for i, x in enumerate(req.embed.inputs) if x.text == "bad"]
        conn.send(status_response(req, status_pb2.INVALID_ARGUMENT, input_errors=bad) if bad else embed_response(req))
    server = fake_server(handle, info=make_info(max_inputs=2))
    with Client(port=server.port) as client:
        with pytest.raises(multiembed.InvalidArgument) as caught:
            client.embed(["a", "b", "c", "bad"], all_or_nothing=True)
    assert [e.index for e in caught.value.input_errors] == [3]


def test_garbage_is_a_protocol_error(fake_server):
    server = fake_server(lambda conn, req: conn.send_raw(b"\x00\x00\x00\x03\xff\xff\xff"))
    with Client(port=server.port, max_retries=0) as client:
        with pytest.raises(multiembed.ProtocolError):
            client.embed(["x"])


def test_huge_length_prefix_is_refused_without_allocating(fake_server):
    import tracemalloc
    server = fake_server(lambda conn, req: conn.send_raw(struct.pack(">I", 0xFFFFFFF0) + b"x" * 100))
    tracemalloc.start()
    try:
        with Client(port=server.port, max_retries=0, max_response_bytes=1 << 20) as client:
            with pytest.raises(multiembed.FrameTooLarge) as caught:
                client.embed(["x"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == StatusCode.RESOURCE_EXHAUSTED
    assert peak < 16 << 20


def test_id_zero_error_fails_the_request_and_closes(fake_server):
    def handle(conn, req):
        conn.send(envelope_pb2.Response(id=0, status=status_pb2.Status(
            code=status_pb2.RESOURCE_EXHAUSTED, message="frame too long")))
        conn.close()
    server = fake_server(handle)
    with Client(port=server.port) as client:
        with pytest.raises(multiembed.ResourceExhausted, match="frame too long"):
            client.embed(["x"])


def test_client_timeout_raises_deadline_exceeded(fake_server):
    server = fake_server(lambda conn, req: None)  # never answers embed
    with Client(port=server.port, timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(multiembed.DeadlineExceeded):
            client.embed(["x"])
        assert time.monotonic() - started < 2
        assert client.health().status == multiembed.SERVING  # the connection is still good


def test_connect_failure_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connection refused
        with Client(port=port, max_retries=0, timeout=2) as client:
            with pytest.raises(multiembed.Unavailable):
                client.health()


def test_invalid_options_fail_before_sending(fake_server):
    server = fake_server()
    with Client(port=server.port) as client:
        with pytest.raises(ValueError):
            client.embed(["x"], output="sideways")
        with pytest.raises(ValueError):
            client.embed(["x"], prompt_name="query", instruction="q: ")
        with pytest.raises(TypeError):
            client.embed([b"bytes are not text"])
    assert server.embed_requests == []


# -- splitting, concurrency, reconnecting ------------------------------------------------------

def test_large_inputs_are_split_per_info_limits(fake_server):
    server = fake_server(info=make_info(max_inputs=3))
    texts = [f"text {i}" for i in range(10)]
    with Client(port=server.port) as client:
        vectors = client.embed(texts, batch_size=100)
    assert [len(r.embed.inputs) for r in server.embed_requests] == [3, 3, 3, 1]
    np.testing.assert_array_equal(vectors, np.stack([text_vector(t) for t in texts]))


def test_requests_stay_under_max_frame_bytes(fake_server):
    limit = 4096 + 3000
    server = fake_server(info=make_info(max_frame=limit))
    texts = ["x" * 1000 for _ in range(7)]
    with Client(port=server.port) as client:
        client.embed(texts)
        with pytest.raises(multiembed.InvalidArgument) as caught:
            client.embed(["short", "y" * 5000])
    sizes = [r.ByteSize() for r in server.embed_requests]
    assert len(sizes) == 4 and max(sizes) <= limit
    assert [e.index for e in caught.value.input_errors] == [1]


def test_out_of_order_answers_within_one_call(fake_server):
    pending = []
    lock = threading.Lock()

    def handle(conn, req):  # hold 4 requests, then answer them in reverse order
        with lock:
            pending.append(req)
            if len(pending) < 4:
                return
            batch = list(reversed(pending))
            pending.clear()
        for r in batch:
            conn.send(embed_response(r))

    server = fake_server(handle, info=make_info(max_inputs=2))
    texts = [f"t{i}" for i in range(8)]
    with Client(port=server.port, max_in_flight=4) as client:
        vectors = client.embed(texts, show_progress_bar=True)
    np.testing.assert_array_equal(vectors, np.stack([text_vector(t) for t in texts]))
    assert server.connections == 1


def test_many_threads_share_one_connection(fake_server):
    pending = []
    lock = threading.Lock()

    def handle(conn, req):  # answer in bursts of 8, newest first
        with lock:
            pending.append(req)
            if len(pending) < 8:
                return
            batch = list(reversed(pending))
            pending.clear()
        for r in batch:
            conn.send(embed_response(r))

    server = fake_server(handle)
    results = {}
    with Client(port=server.port) as client:
        client.info()

        def work(n):
            results[n] = client.embed([f"thread {n}", f"again {n}"])

        threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    assert server.connections == 1
    assert len({r.id for r in server.embed_requests}) == 16
    for n in range(16):
        np.testing.assert_array_equal(results[n][0], text_vector(f"thread {n}"))


def test_reconnects_after_a_close_mid_frame(fake_server):
    def handle(conn, req):
        if conn.index == 0:  # first connection: half a frame, then gone
            payload = embed_response(req).SerializeToString()
            conn.send_raw(struct.pack(">I", len(payload)) + payload[:5])
            conn.close()
        else:
            conn.send(embed_response(req))
    server = fake_server(handle)
    with Client(port=server.port) as client:
        vectors = client.embed(["after the drop"])
    np.testing.assert_array_equal(vectors[0], text_vector("after the drop"))
    assert server.connections == 2


def test_close_mid_frame_without_retries_raises(fake_server):
    def handle(conn, req):
        conn.send_raw(b"\x00\x00\x01\x00" + b"\x08")
        conn.close()
    server = fake_server(handle)
    with Client(port=server.port, max_retries=0) as client:
        with pytest.raises(multiembed.ConnectionLost, match="middle of a frame"):
            client.embed(["x"])
        server.handler = lambda conn, req: conn.send(embed_response(req))
        assert client.embed(["next call reconnects"]).shape == (1, DIM)


def test_server_restart_is_survived(fake_server):
    server = fake_server()
    client = Client(port=server.port)
    client.embed(["x"])
    # Drop every open connection from the server side.
    server.handler = lambda conn, req: conn.close()
    with pytest.raises(multiembed.ConnectionLost):
        Client(port=server.port, max_retries=1).embed(["y"])
    server.handler = lambda conn, req: conn.send(embed_response(req))
    assert client.embed(["z"]).shape == (1, DIM)
    client.close()


# -- asyncio ----------------------------------------------------------------------------------

def test_async_client_concurrent_calls(fake_server):
    pending = []

    def handle(conn, req):
        pending.append(req)
        if len(pending) == 4:  # a: 2 requests, b: 1, c: 1
            for r in reversed(pending):
                conn.send(embed_response(r))

    server = fake_server(handle, info=make_info(max_inputs=2))

    async def main():
        async with AsyncClient(port=server.port) as client:
            info = await client.info()
            assert info.models[0].name == "fake"
            a, b, c = await asyncio.gather(client.embed([f"a{i}" for i in range(4)]),
                                           client.embed(["b0", "b1"], multi_vector=True),
                                           client.embed("c"))
            health = await client.health()
            return a, b, c, health

    a, b, c, health = asyncio.run(main())
    np.testing.assert_array_equal(a, np.stack([text_vector(f"a{i}") for i in range(4)]))
    assert [m.shape for m in b] == [(1, 4), (1, 4)]
    assert c.shape == (DIM,)
    assert health.status == multiembed.SERVING
    assert server.connections == 1


def test_async_client_errors_and_reconnect(fake_server):
    def handle(conn, req):
        if conn.index == 0:
            conn.close()
        elif req.embed.inputs[0].text == "bad":
            conn.send(status_response(req, status_pb2.NOT_FOUND, "no such model"))
        else:
            conn.send(embed_response(req))

    server = fake_server(handle)

    async def main():
        async with AsyncClient(port=server.port) as client:
            v = await client.embed(["x"])
            with pytest.raises(multiembed.NotFound, match="no such model"):
                await client.embed(["bad"])
            return v

    assert asyncio.run(main()).shape == (1, DIM)
    assert server.connections == 2


def test_async_huge_frame(fake_server):
    server = fake_server(lambda conn, req: conn.send_raw(b"\xff\xff\xff\xff"))

    async def main():
        async with AsyncClient(port=server.port, max_retries=0) as client:
            await client.embed(["x"])

    with pytest.raises(multiembed.FrameTooLarge):
        asyncio.run(main())
