from multiembed.v1 import pages_pb2 as _pages_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
ENCODING_BINARY: Encoding
ENCODING_FLOAT16: Encoding
ENCODING_FLOAT32: Encoding
ENCODING_INT8: Encoding
NORMALIZE_MODEL_DEFAULT: Normalize
NORMALIZE_OFF: Normalize
NORMALIZE_ON: Normalize
OUTPUT_BOTH: Output
OUTPUT_MULTI_VECTOR: Output
OUTPUT_POOLED: Output
TRUNCATE_END: Truncate
TRUNCATE_ERROR: Truncate
TRUNCATE_START: Truncate

class EmbedRequest(_message.Message):
    __slots__ = ["all_or_nothing", "dimensions", "encoding", "inputs", "instruction", "model", "normalize", "output", "prompt_name", "truncate"]
    ALL_OR_NOTHING_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    NORMALIZE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    PROMPT_NAME_FIELD_NUMBER: _ClassVar[int]
    TRUNCATE_FIELD_NUMBER: _ClassVar[int]
    all_or_nothing: bool
    dimensions: int
    encoding: Encoding
    inputs: _containers.RepeatedCompositeFieldContainer[Input]
    instruction: str
    model: str
    normalize: Normalize
    output: Output
    prompt_name: str
    truncate: Truncate
    def __init__(self, model: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[Input, _Mapping]]] = ..., prompt_name: _Optional[str] = ..., instruction: _Optional[str] = ..., output: _Optional[_Union[Output, str]] = ..., dimensions: _Optional[int] = ..., normalize: _Optional[_Union[Normalize, str]] = ..., encoding: _Optional[_Union[Encoding, str]] = ..., truncate: _Optional[_Union[Truncate, str]] = ..., all_or_nothing: bool = ...) -> None: ...

class EmbedResponse(_message.Message):
    __slots__ = ["embeddings", "model", "usage"]
    EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    embeddings: _containers.RepeatedCompositeFieldContainer[Embedding]
    model: str
    usage: Usage
    def __init__(self, embeddings: _Optional[_Iterable[_Union[Embedding, _Mapping]]] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ..., model: _Optional[str] = ...) -> None: ...

class Embedding(_message.Message):
    __slots__ = ["index", "multi_vector", "page_text", "pooled", "truncated"]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    MULTI_VECTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_TEXT_FIELD_NUMBER: _ClassVar[int]
    POOLED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    index: int
    multi_vector: MultiVector
    page_text: _pages_pb2.PageText
    pooled: Vector
    truncated: bool
    def __init__(self, index: _Optional[int] = ..., pooled: _Optional[_Union[Vector, _Mapping]] = ..., multi_vector: _Optional[_Union[MultiVector, _Mapping]] = ..., truncated: bool = ..., page_text: _Optional[_Union[_pages_pb2.PageText, _Mapping]] = ...) -> None: ...

class ImageBytes(_message.Message):
    __slots__ = ["data", "name"]
    DATA_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    name: str
    def __init__(self, data: _Optional[bytes] = ..., name: _Optional[str] = ...) -> None: ...

class Input(_message.Message):
    __slots__ = ["image", "page", "patches", "text"]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PATCHES_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    image: ImageBytes
    page: _pages_pb2.Page
    patches: Patches
    text: str
    def __init__(self, text: _Optional[str] = ..., image: _Optional[_Union[ImageBytes, _Mapping]] = ..., patches: _Optional[_Union[Patches, _Mapping]] = ..., page: _Optional[_Union[_pages_pb2.Page, _Mapping]] = ...) -> None: ...

class MultiVector(_message.Message):
    __slots__ = ["count", "data", "dimension", "scales"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    SCALES_FIELD_NUMBER: _ClassVar[int]
    count: int
    data: bytes
    dimension: int
    scales: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, count: _Optional[int] = ..., dimension: _Optional[int] = ..., data: _Optional[bytes] = ..., scales: _Optional[_Iterable[float]] = ...) -> None: ...

class Patches(_message.Message):
    __slots__ = ["channels", "cols", "data", "patch_size", "rows"]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    COLS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    PATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    channels: int
    cols: int
    data: bytes
    patch_size: int
    rows: int
    def __init__(self, rows: _Optional[int] = ..., cols: _Optional[int] = ..., patch_size: _Optional[int] = ..., channels: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ["inference_time_us", "patches", "pixels", "queue_time_us", "tokens"]
    INFERENCE_TIME_US_FIELD_NUMBER: _ClassVar[int]
    PATCHES_FIELD_NUMBER: _ClassVar[int]
    PIXELS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_TIME_US_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    inference_time_us: int
    patches: int
    pixels: int
    queue_time_us: int
    tokens: int
    def __init__(self, tokens: _Optional[int] = ..., pixels: _Optional[int] = ..., patches: _Optional[int] = ..., queue_time_us: _Optional[int] = ..., inference_time_us: _Optional[int] = ...) -> None: ...

class Vector(_message.Message):
    __slots__ = ["data", "dimension", "scale"]
    DATA_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    dimension: int
    scale: float
    def __init__(self, dimension: _Optional[int] = ..., data: _Optional[bytes] = ..., scale: _Optional[float] = ...) -> None: ...

class Normalize(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Output(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Encoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Truncate(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
