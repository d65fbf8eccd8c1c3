"""Typed exceptions for every way a call can fail, carrying the server's status code.

The server answers with gRPC's canonical status codes (Protos/README.md, "Status codes"). Each
code maps to one exception class, so callers can ``except ResourceExhausted`` to back off and
retry, or ``except InvalidArgument`` to fix their input, without comparing numbers. Failures
that happen on the client side (the connection dropped, the server sent garbage or an
oversized frame) use the same classes with the code gRPC clients use for them (UNAVAILABLE,
INTERNAL, RESOURCE_EXHAUSTED), so one ``except MultiEmbedError`` catches everything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Type

if TYPE_CHECKING:  # pragma: no cover
    from .v1 import status_pb2

__all__ = [
    "StatusCode",
    "InputError",
    "MultiEmbedError",
    "Cancelled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
    "ConnectionLost",
    "TLSError",
    "ProtocolError",
    "FrameTooLarge",
    "InputErrors",
    "error_for_code",
    "error_from_status",
]


class StatusCode(enum.IntEnum):
    """gRPC's canonical status codes, numbered as ``multiembed.v1.Code`` on the wire."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


@dataclass(frozen=True)
class InputError:
    """The failure of one input of an embed call.

    ``index`` is the input's position in the caller's whole list (not in the request chunk it
    travelled in), so it can be used to index the caller's own data.
    """

    index: int
    code: StatusCode
    message: str


class MultiEmbedError(Exception):
    """Base of every error this library raises.

    Attributes:
        code: the status code (a :class:`StatusCode`).
        message: the server's (or the client's) explanation, for people, not for parsing.
        input_errors: per-input failures the server reported with this error (with
            ``all_or_nothing``, the inputs at fault), indexed in the caller's input list.
    """

    code: StatusCode = StatusCode.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        code: Optional[int] = None,
        input_errors: Sequence[InputError] = (),
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = _as_code(code)
        self.message = message
        self.input_errors: List[InputError] = list(input_errors)

    def __str__(self) -> str:
        text = f"{self.code.name}: {self.message}"
        if self.input_errors:
            shown = ", ".join(f"#{e.index} {e.message}" for e in self.input_errors[:5])
            more = len(self.input_errors) - 5
            text += f" (inputs: {shown}{f', and {more} more' if more > 0 else ''})"
        return text

    def __reduce__(self) -> Any:  # keep code and input_errors through pickling (multiprocessing)
        return (_rebuild, (type(self), self.message, int(self.code), self.input_errors))


def _rebuild(cls: Type[MultiEmbedError], message: str, code: int, errors: List[InputError]) -> MultiEmbedError:
    return cls(message, code=code, input_errors=errors)


class Cancelled(MultiEmbedError):
    """The server shut down past its grace period before finishing the request."""

    code = StatusCode.CANCELLED


class Unknown(MultiEmbedError):
    """An error without a better code (treated like :class:`Internal`)."""

    code = StatusCode.UNKNOWN


class InvalidArgument(MultiEmbedError, ValueError):
    """The request or an input is malformed; retrying it unchanged fails the same way.

    Also a ``ValueError``, so the client can raise it for arguments it rejects before sending
    (with the same status code the server would give) without breaking ``except ValueError``.
    """

    code = StatusCode.INVALID_ARGUMENT


class DeadlineExceeded(MultiEmbedError):
    """The request's deadline passed (on the server), or no answer came within the client's timeout."""

    code = StatusCode.DEADLINE_EXCEEDED


class NotFound(MultiEmbedError):
    """An unknown model, prompt or collection name."""

    code = StatusCode.NOT_FOUND


class AlreadyExists(MultiEmbedError):
    """The thing to create (a collection) already exists."""

    code = StatusCode.ALREADY_EXISTS


class PermissionDenied(MultiEmbedError):
    """The API key does not allow this request."""

    code = StatusCode.PERMISSION_DENIED


class ResourceExhausted(MultiEmbedError):
    """The server's queue is full (retry with backoff), or a frame was over the size limit."""

    code = StatusCode.RESOURCE_EXHAUSTED


class FailedPrecondition(MultiEmbedError):
    """The server's state does not allow the request."""

    code = StatusCode.FAILED_PRECONDITION


class Aborted(MultiEmbedError):
    """Aborted by a conflict with a concurrent operation."""

    code = StatusCode.ABORTED


class OutOfRange(MultiEmbedError):
    """A value outside its valid range."""

    code = StatusCode.OUT_OF_RANGE


class Unimplemented(MultiEmbedError):
    """The server does not implement the request (e.g. multi-vector output from a model without it)."""

    code = StatusCode.UNIMPLEMENTED


class Internal(MultiEmbedError):
    """A server bug, or a response the client could not make sense of."""

    code = StatusCode.INTERNAL


class Unavailable(MultiEmbedError):
    """The server is starting, draining, unreachable, or the connection dropped; safe to retry."""

    code = StatusCode.UNAVAILABLE


class DataLoss(MultiEmbedError):
    """Stored data is damaged: a collection file failed its checksum or does not decode."""

    code = StatusCode.DATA_LOSS


class Unauthenticated(MultiEmbedError):
    """The server requires an API key and the request had none or an unknown one."""

    code = StatusCode.UNAUTHENTICATED


class ConnectionLost(Unavailable):
    """The connection closed (or could not be opened) before the answer arrived.

    The client sends a request again on a fresh connection up to ``max_retries`` times before
    raising this. Embed, info, health, search, score, get and upsert (which replaces by id) give
    the same result when repeated; a repeated delete counts only what was left to delete, and a
    repeated create_collection or drop_collection whose first attempt took effect raises
    AlreadyExists or NotFound.
    """


class TLSError(ConnectionLost):
    """The TLS handshake failed: the server's certificate is not signed by a trusted CA, is not
    valid for the server name, or the server does not speak TLS on that port.

    Raised when connecting (never retried: the next attempt would meet the same certificate).
    """


class ProtocolError(Internal):
    """The server sent bytes that are not a valid ``Response`` frame; the connection is dropped."""


class FrameTooLarge(ResourceExhausted):
    """The server announced a frame longer than the client accepts (``max_response_bytes``).

    Raised as soon as the 4 length bytes arrive, before anything is allocated for the frame.
    """


class InputErrors(MultiEmbedError):
    """Some inputs of an embed call failed while the others were embedded.

    Raised by :meth:`multiembed.Client.embed`, which returns plain arrays and so has nowhere to
    put a failed row. ``input_errors`` lists the failures (indexes in the caller's list), and
    ``result`` holds the partial :class:`multiembed.EmbedResult` with every successful row, so
    nothing computed is lost. Use ``embed_result`` to get partial results without an exception.
    """

    def __init__(self, message: str, *, code: Optional[int] = None,
                 input_errors: Sequence[InputError] = (), result: Any = None) -> None:
        super().__init__(message, code=code, input_errors=input_errors)
        self.result = result


_BY_CODE: Dict[StatusCode, Type[MultiEmbedError]] = {
    cls.code: cls
    for cls in (
        Cancelled, Unknown, InvalidArgument, DeadlineExceeded, NotFound, AlreadyExists,
        PermissionDenied, ResourceExhausted, FailedPrecondition, Aborted, OutOfRange,
        Unimplemented, Internal, Unavailable, DataLoss, Unauthenticated,
    )
}


def _as_code(code: int) -> StatusCode:
    """A StatusCode for ``code``; a number this version does not know becomes UNKNOWN."""
    try:
        return StatusCode(code)
    except ValueError:
        return StatusCode.UNKNOWN


def error_for_code(code: int, message: str, input_errors: Sequence[InputError] = ()) -> MultiEmbedError:
    """The exception of the class that matches ``code``; the code itself is kept on it."""
    status_code = _as_code(code)
    cls = _BY_CODE.get(status_code, Unknown)
    return cls(message, code=status_code, input_errors=input_errors)


def input_errors_from_status(status: "status_pb2.Status", index_offset: int = 0) -> List[InputError]:
    """The status's per-input errors, with indexes shifted by ``index_offset``.

    A large call travels as several requests; the offset turns a request-local index back into
    the position in the caller's list.
    """
    return [InputError(e.index + index_offset, _as_code(e.code), e.message) for e in status.input_errors]


def error_from_status(status: "status_pb2.Status", index_offset: int = 0) -> MultiEmbedError:
    """The exception for a Response's non-OK ``Status``."""
    message = status.message or f"the server answered {_as_code(status.code).name}"
    return error_for_code(status.code, message, input_errors_from_status(status, index_offset))
