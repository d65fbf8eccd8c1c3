"""Frames and vector encodings, checked against bytes and values computed by hand."""

import struct

import numpy as np
import pytest

import multiembed
from multiembed.encodings import Encoding, decode_vectors, dequantize, parse_encoding, unpack_bits
from multiembed.errors import FrameTooLarge, ProtocolError, StatusCode
from multiembed.framing import FrameDecoder, encode_frame
from multiembed.v1 import envelope_pb2, status_pb2


def test_worked_example_of_the_protocol_readme():
    request = envelope_pb2.Request(id=7, deadline_ms=500)
    request.embed.inputs.add(text="hi")
    assert encode_frame(request.SerializeToString()).hex() == "0000000d080710f403520612040a026869"


def test_decoder_handles_split_and_joined_frames():
    frames = [b"", b"a", b"hello" * 100]
    stream = b"".join(encode_frame(f) for f in frames)
    for step in (1, 3, 7, len(stream)):
        decoder = FrameDecoder()
        out = []
        for i in range(0, len(stream), step):
            out += decoder.feed(stream[i:i + step])
        assert out == frames
        assert not decoder.in_frame


def test_decoder_refuses_a_huge_length_before_reading_it():
    decoder = FrameDecoder(max_frame_bytes=1000)
    assert decoder.feed(b"\xff\xff") == []
    assert decoder.in_frame
    with pytest.raises(FrameTooLarge) as caught:
        decoder.feed(b"\xff\xff")
    assert caught.value.code == StatusCode.RESOURCE_EXHAUSTED
    assert "4294967295" in str(caught.value)


def test_decoder_grows_only_with_received_bytes():
    decoder = FrameDecoder(max_frame_bytes=1 << 30)
    decoder.feed(struct.pack(">I", (1 << 30) - 1) + b"x")  # announced 1 GiB, sent 1 byte
    assert len(decoder._buffer) == 1


def test_status_codes_match_the_wire_enum():
    for code in StatusCode:
        assert status_pb2.Code.Value(code.name) == code.value


def test_float16_decoding():
    # 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF (largest half), little-endian.
    data = bytes([0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B])
    v = decode_vectors(data, 1, 4, Encoding.FLOAT16)
    assert v.dtype == np.float16 and v.shape == (1, 4)
    assert v.tolist() == [[1.0, -2.0, 0.5, 65504.0]]


def test_float32_decoding():
    # The README's example: 0.6f = 9a 99 19 3f, 0.8f = cd cc 4c 3f.
    v = decode_vectors(bytes.fromhex("9a99193fcdcc4c3f"), 1, 2, Encoding.FLOAT32)
    assert v.dtype == np.float32
    assert v[0, 0] == np.float32(0.6) and v[0, 1] == np.float32(0.8)


def test_int8_decoding_and_dequantising():
    # Two vectors of 3: bytes 127, -64 (0xC0), 0 and -127 (0x81), 1, 2; scales 0.01 and 0.5.
    v = decode_vectors(bytes([0x7F, 0xC0, 0x00, 0x81, 0x01, 0x02]), 2, 3, Encoding.INT8)
    assert v.dtype == np.int8
    assert v.tolist() == [[127, -64, 0], [-127, 1, 2]]
    x = dequantize(v, "int8", np.array([0.01, 0.5], np.float32))
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, [[1.27, -0.64, 0.0], [-63.5, 0.5, 1.0]], rtol=1e-6)


def test_binary_decoding_is_lsb_first():
    # d = 10: bits 1,0,1,0,0,1,0,1 | 0,1 -> byte0 = 0b10100101 = 0xA5, byte1 = 0b00000010.
    v = decode_vectors(bytes([0xA5, 0x02]), 1, 10, Encoding.BINARY)
    assert v.dtype == np.uint8 and v.shape == (1, 2)
    assert unpack_bits(v, 10).tolist() == [[1, 0, 1, 0, 0, 1, 0, 1, 0, 1]]
    x = np.array([0.3, -1, 2, 0, -0.1, 5, -2, 1, 0, 0.01], np.float32)
    assert np.packbits(x > 0, bitorder="little").tolist() == [0xA5, 0x02]
    assert dequantize(v, "binary", dimension=10).tolist() == [[1, -1, 1, -1, -1, 1, -1, 1, -1, 1]]


def test_wrong_data_length_is_a_protocol_error():
    with pytest.raises(ProtocolError):
        decode_vectors(b"\x00" * 7, 1, 2, Encoding.FLOAT32)
    with pytest.raises(ProtocolError):
        decode_vectors(b"\x00" * 3, 1, 10, Encoding.BINARY)


def test_encoding_names():
    assert parse_encoding("FLOAT16") is Encoding.FLOAT16
    assert parse_encoding("ubinary") is Encoding.BINARY
    with pytest.raises(ValueError):
        parse_encoding("bf16")


def test_error_classes_by_code():
    from multiembed.errors import error_for_code
    assert type(error_for_code(3, "x")) is multiembed.InvalidArgument
    assert type(error_for_code(16, "x")) is multiembed.Unauthenticated
    unknown = error_for_code(99, "from the future")
    assert type(unknown) is multiembed.Unknown and unknown.code == StatusCode.UNKNOWN
    assert issubclass(multiembed.ConnectionLost, multiembed.Unavailable)
    assert issubclass(multiembed.FrameTooLarge, multiembed.ResourceExhausted)
