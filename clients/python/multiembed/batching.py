"""Preparing an embed call: its options as an ``EmbedRequest`` template, and its inputs cut into
requests that fit the server's limits.

The server refuses a request with more than ``Limits.max_inputs_per_request`` inputs and closes
the connection on a frame over ``Limits.max_frame_bytes`` (Protos/README.md, "Limits"), so a
call of any size is split here, with the limits read from ``info()``. Inputs are turned into
messages one chunk at a time, so a call over a folder of images holds only the chunks in flight
in memory, not every file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, List, Optional, Tuple, Union

from .encodings import Encoding, parse_encoding
from .errors import InputError, InvalidArgument, StatusCode
from .v1 import embed_pb2, envelope_pb2

__all__ = ["EmbedOptions", "Chunk", "iter_chunks", "effective_batch_size", "DEFAULT_BATCH_SIZE"]

DEFAULT_BATCH_SIZE = 32
"""Inputs per request when the caller does not say (sentence-transformers' default batch size):
small enough for a progress bar to move and for requests to interleave in the server's batcher,
large enough that framing costs nothing."""

# Bytes of a Request beyond its inputs: id, deadline, api key, model, prompt and the enums are
# far below this; it keeps a chunk safely under max_frame_bytes.
_ENVELOPE_ALLOWANCE = 4096

_OUTPUTS = {
    "pooled": embed_pb2.OUTPUT_POOLED,
    "multi_vector": embed_pb2.OUTPUT_MULTI_VECTOR,
    "multi-vector": embed_pb2.OUTPUT_MULTI_VECTOR,
    "both": embed_pb2.OUTPUT_BOTH,
}
_TRUNCATES = {"end": embed_pb2.TRUNCATE_END, "start": embed_pb2.TRUNCATE_START, "error": embed_pb2.TRUNCATE_ERROR}


@dataclass(frozen=True)
class EmbedOptions:
    """The options of an embed call, checked, ready to fill every request of the call.

    Build it with :meth:`create`, which takes ``embed``'s keyword arguments.
    """

    template: embed_pb2.EmbedRequest
    encoding: Encoding
    pooled: bool
    multi_vector: bool

    @classmethod
    def create(
        cls,
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
    ) -> "EmbedOptions":
        if prompt_name is not None and instruction is not None:
            raise ValueError("give prompt_name or instruction, not both")
        if output is None:
            output = "multi_vector" if multi_vector else "pooled"
        elif multi_vector and output == "pooled":
            raise ValueError("multi_vector=True contradicts output='pooled'")
        try:
            wire_output = _OUTPUTS[output]
        except KeyError:
            raise ValueError(f"output must be 'pooled', 'multi_vector' or 'both', got {output!r}") from None
        try:
            wire_truncate = _TRUNCATES[truncate]
        except KeyError:
            raise ValueError(f"truncate must be 'end', 'start' or 'error', got {truncate!r}") from None
        if dimensions is not None and dimensions < 0:
            raise ValueError(f"dimensions must be positive, got {dimensions}")
        enc = parse_encoding(encoding)
        template = embed_pb2.EmbedRequest(
            model=model or "",
            output=wire_output,
            dimensions=dimensions or 0,
            normalize=(embed_pb2.NORMALIZE_MODEL_DEFAULT if normalize is None
                       else embed_pb2.NORMALIZE_ON if normalize else embed_pb2.NORMALIZE_OFF),
            encoding=enc.wire,
            truncate=wire_truncate,
            all_or_nothing=all_or_nothing,
        )
        # A oneof: assigning one member (even "") is what distinguishes "no prompt" from "the
        # model's default prompt" (unset).
        if prompt_name is not None:
            template.prompt_name = prompt_name
        elif instruction is not None:
            template.instruction = instruction
        return cls(template, enc, wire_output != embed_pb2.OUTPUT_MULTI_VECTOR,
                   wire_output != embed_pb2.OUTPUT_POOLED)


@dataclass(frozen=True)
class Chunk:
    """One request's share of a call: inputs ``offset .. offset + size - 1`` of the caller's list."""

    offset: int
    size: int
    request: envelope_pb2.Request


def iter_chunks(
    items: Iterable[Callable[[], embed_pb2.Input]],
    options: EmbedOptions,
    *,
    batch_size: int,
    max_frame_bytes: int,
) -> Iterator[Chunk]:
    """Cuts the inputs into requests of at most ``batch_size`` inputs and ``max_frame_bytes``.

    ``items`` yields one zero-argument builder per input, called only when its chunk is formed.
    ``max_frame_bytes`` 0 means no limit. The requests carry no id, deadline or key yet (the
    connection sets those when it sends them).

    Raises:
        InvalidArgument: one input alone is larger than the frame limit (sending it would make
            the server close the connection, failing every other call on it).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    budget = max_frame_bytes - _ENVELOPE_ALLOWANCE if max_frame_bytes else 0
    offset = 0
    inputs: List[embed_pb2.Input] = []
    used = 0
    for index, build in enumerate(items):
        item = build()
        # Each repeated-field entry costs its size plus a tag and a length varint (<= 6 bytes).
        cost = item.ByteSize() + 6
        if budget and cost > budget:
            message = f"input {index} takes {cost} bytes, over the server's frame limit of {max_frame_bytes} bytes"
            raise InvalidArgument(message, input_errors=[InputError(index, StatusCode.INVALID_ARGUMENT, message)])
        if inputs and (len(inputs) >= batch_size or (budget and used + cost > budget)):
            yield _chunk(offset, inputs, options)
            offset += len(inputs)
            inputs, used = [], 0
        inputs.append(item)
        used += cost
    if inputs:
        yield _chunk(offset, inputs, options)


def _chunk(offset: int, inputs: List[embed_pb2.Input], options: EmbedOptions) -> Chunk:
    request = envelope_pb2.Request()
    request.embed.CopyFrom(options.template)
    request.embed.inputs.extend(inputs)
    return Chunk(offset, len(inputs), request)


def effective_batch_size(requested: Optional[int], max_inputs_per_request: int) -> int:
    """The inputs per request: the caller's ``batch_size`` (or the default), capped by the server."""
    size = requested or DEFAULT_BATCH_SIZE
    return min(size, max_inputs_per_request) if max_inputs_per_request else size

