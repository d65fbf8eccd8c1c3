"""Vector encodings: turning ``Vector.data`` / ``MultiVector.data`` bytes into numpy arrays.

Each encoding decodes to the dtype that holds it without loss (Protos/README.md, "Vector
encodings"):

=========  ===========  =====================================================================
encoding   dtype        shape of one vector of ``d`` values
=========  ===========  =====================================================================
float32    ``float32``  ``(d,)``
float16    ``float16``  ``(d,)``
int8       ``int8``     ``(d,)``, plus one float32 scale per vector: ``x ~= value * scale``
binary     ``uint8``    ``(ceil(d / 8),)`` packed bits, least significant bit first: bit i is
                        1 when ``x_i > 0``; ``np.unpackbits(v, bitorder="little")[:d]`` unpacks
=========  ===========  =====================================================================

Decoding is one ``np.frombuffer`` per vector block, never a Python loop over values, so the
client keeps up with the server. :func:`dequantize` turns any of them back into float32.
"""

from __future__ import annotations

import enum
from typing import Optional, Tuple, Union

import numpy as np

from .errors import ProtocolError
from .v1 import embed_pb2

__all__ = ["Encoding", "parse_encoding", "bytes_per_vector", "decode_vectors", "dequantize", "unpack_bits"]


class Encoding(str, enum.Enum):
    """The encodings a client may ask for; the value is the name accepted by ``embed``."""

    FLOAT32 = "float32"
    FLOAT16 = "float16"
    INT8 = "int8"
    BINARY = "binary"

    @property
    def wire(self) -> int:
        """The ``multiembed.v1.Encoding`` number."""
        return _WIRE[self]

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of decoded values."""
        return np.dtype(_DTYPE[self])


_WIRE = {
    Encoding.FLOAT32: embed_pb2.ENCODING_FLOAT32,
    Encoding.FLOAT16: embed_pb2.ENCODING_FLOAT16,
    Encoding.INT8: embed_pb2.ENCODING_INT8,
    Encoding.BINARY: embed_pb2.ENCODING_BINARY,
}
_DTYPE = {Encoding.FLOAT32: "<f4", Encoding.FLOAT16: "<f2", Encoding.INT8: "i1", Encoding.BINARY: "u1"}


def parse_encoding(value: Union[str, Encoding]) -> Encoding:
    """An :class:`Encoding` from its name (``"float32"``, ``"float16"``, ``"int8"``, ``"binary"``;
    also ``"ubinary"``/``"uint8"`` as sentence-transformers calls packed bits), case-insensitive."""
    if isinstance(value, Encoding):
        return value
    name = str(value).lower()
    aliases = {"fp32": "float32", "fp16": "float16", "half": "float16", "ubinary": "binary"}
    try:
        return Encoding(aliases.get(name, name))
    except ValueError:
        known = ", ".join(e.value for e in Encoding)
        raise ValueError(f"unknown encoding {value!r} (known: {known})") from None


def bytes_per_vector(encoding: Encoding, dimension: int) -> int:
    """Bytes one vector of ``dimension`` values takes in ``encoding``."""
    if encoding is Encoding.FLOAT32:
        return 4 * dimension
    if encoding is Encoding.FLOAT16:
        return 2 * dimension
    if encoding is Encoding.INT8:
        return dimension
    return (dimension + 7) // 8


def decode_vectors(data: bytes, count: int, dimension: int, encoding: Encoding) -> np.ndarray:
    """``count`` vectors of ``dimension`` values from ``data``, as a ``(count, width)`` array.

    ``width`` is ``dimension`` except for binary, where it is the packed ``ceil(dimension / 8)``.
    The array is a writable copy, independent of the message it came from.

    Raises:
        ProtocolError: ``data`` does not have exactly the length the shape and encoding need.
    """
    width = bytes_per_vector(encoding, dimension)
    if encoding is not Encoding.BINARY and encoding is not Encoding.INT8:
        width //= encoding.dtype.itemsize
    expected = count * bytes_per_vector(encoding, dimension)
    if len(data) != expected:
        raise ProtocolError(
            f"vector data of {len(data)} bytes, expected {expected} for {count} x {dimension} "
            f"values in {encoding.value}")
    array = np.frombuffer(data, dtype=encoding.dtype).reshape(count, width)
    # Native byte order (big-endian hosts) and a private, writable copy.
    return array.astype(encoding.dtype.newbyteorder("="), copy=True)


def unpack_bits(packed: np.ndarray, dimension: int) -> np.ndarray:
    """Binary-encoded vectors ``(..., ceil(d / 8))`` uint8 to ``(..., d)`` uint8 of 0 and 1."""
    return np.unpackbits(packed, axis=-1, count=dimension, bitorder="little")


def dequantize(
    values: np.ndarray,
    encoding: Union[str, Encoding],
    scales: Optional[np.ndarray] = None,
    dimension: Optional[int] = None,
) -> np.ndarray:
    """Decoded vectors back to float32 approximations of the model's values.

    - float32 / float16: converted to float32.
    - int8: ``values * scales[:, None]`` (``scales`` required: one per vector).
    - binary: each bit to +1.0 (value was > 0) or -1.0, the usual sign embedding, which keeps
      dot products proportional to (d - 2 x Hamming distance). ``dimension`` required.
    """
    enc = parse_encoding(encoding)
    if enc is Encoding.INT8:
        if scales is None:
            raise ValueError("int8 vectors need their scales to be dequantised")
        return values.astype(np.float32) * np.asarray(scales, dtype=np.float32)[..., None]
    if enc is Encoding.BINARY:
        if dimension is None:
            raise ValueError("binary vectors need their dimension to be unpacked")
        bits = unpack_bits(values, dimension)
        return bits.astype(np.float32) * 2.0 - 1.0
    return values.astype(np.float32)


def empty_vectors(count: int, dimension: int, encoding: Encoding) -> Tuple[np.ndarray, np.ndarray]:
    """A ``(count, width)`` array of zeros (NaN for floats) and a ``(count,)`` scales array, to
    be filled row by row; failed inputs keep the fill value, which marks them."""
    width = dimension if encoding is not Encoding.BINARY else (dimension + 7) // 8
    fill = np.nan if encoding in (Encoding.FLOAT32, Encoding.FLOAT16) else 0
    return (np.full((count, width), fill, dtype=encoding.dtype.newbyteorder("=")),
            np.zeros(count, dtype=np.float32))
