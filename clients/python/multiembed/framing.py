"""Length-prefixed frames: a 4-byte big-endian unsigned length, then that many bytes.

This is the whole transport of the protocol (Protos/README.md, "Framing"). The decoder is
incremental (``feed`` whatever bytes a read returned, get back the complete frames) so the
threaded client and the asyncio client share it, and a frame split across reads, or several
frames in one read, need no special handling by either.

A server is not trusted with the client's memory: a length over ``max_frame_bytes`` is refused
as soon as its 4 bytes arrive, and a frame's buffer only grows as its bytes actually arrive,
so a lying length prefix costs nothing.
"""

from __future__ import annotations

import struct
from typing import List

from .errors import FrameTooLarge

__all__ = ["HEADER_BYTES", "MAX_FRAME_BYTES", "DEFAULT_MAX_RESPONSE_BYTES", "encode_frame", "FrameDecoder"]

HEADER_BYTES = 4
"""Size of the length prefix."""

MAX_FRAME_BYTES = 0xFFFFFFFF
"""The longest frame the 4-byte prefix can announce."""

DEFAULT_MAX_RESPONSE_BYTES = 1 << 30
"""Default cap on a frame from the server (1 GiB): far above any real response (a batch of 64
texts of 512 tokens as float32 multi-vectors of 128 values is 16 MiB), far below what a broken
or hostile server could announce (4 GiB)."""

_LENGTH = struct.Struct(">I")


def encode_frame(payload: bytes) -> bytes:
    """``payload`` with its length prefix, ready to write to the socket."""
    if len(payload) > MAX_FRAME_BYTES:
        raise FrameTooLarge(f"a frame of {len(payload)} bytes does not fit the 4-byte length prefix")
    return _LENGTH.pack(len(payload)) + payload


class FrameDecoder:
    """Cuts a byte stream into frames.

    Args:
        max_frame_bytes: the longest frame accepted (length prefix excluded); a longer one
            raises :class:`~multiembed.errors.FrameTooLarge` from :meth:`feed`, after which
            the stream cannot be resynchronised and the connection must be dropped.
    """

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        if not 0 <= max_frame_bytes <= MAX_FRAME_BYTES:
            raise ValueError(f"max_frame_bytes must be in [0, {MAX_FRAME_BYTES}], got {max_frame_bytes}")
        self._max = max_frame_bytes
        self._buffer = bytearray()
        self._expected: int = -1  # length of the frame being read; -1 while reading a header

    @property
    def in_frame(self) -> bool:
        """True when bytes of an unfinished frame (or header) are buffered: the stream ending
        now would end mid-frame."""
        return self._expected >= 0 or bool(self._buffer)

    def feed(self, data: bytes) -> List[bytes]:
        """Adds ``data`` and returns the frames it completed, in order (possibly none)."""
        self._buffer += data
        frames: List[bytes] = []
        while True:
            if self._expected < 0:
                if len(self._buffer) < HEADER_BYTES:
                    return frames
                (length,) = _LENGTH.unpack_from(self._buffer)
                if length > self._max:
                    raise FrameTooLarge(
                        f"the server announced a frame of {length} bytes, over the client's "
                        f"limit of {self._max} (max_response_bytes)")
                del self._buffer[:HEADER_BYTES]
                self._expected = length
            if len(self._buffer) < self._expected:
                return frames
            frames.append(bytes(self._buffer[: self._expected]))
            del self._buffer[: self._expected]
            self._expected = -1
