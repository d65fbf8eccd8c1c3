from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

COMPUTE_PRECISION_BF16: ComputePrecision
COMPUTE_PRECISION_FLOAT32: ComputePrecision
COMPUTE_PRECISION_INT8: ComputePrecision
COMPUTE_PRECISION_UNSPECIFIED: ComputePrecision
DESCRIPTOR: _descriptor.FileDescriptor
INPUT_KIND_IMAGE: InputKind
INPUT_KIND_PAGE: InputKind
INPUT_KIND_PATCHES: InputKind
INPUT_KIND_TEXT: InputKind
INPUT_KIND_UNSPECIFIED: InputKind

class InfoRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class InfoResponse(_message.Message):
    __slots__ = ["limits", "models", "version"]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    limits: Limits
    models: _containers.RepeatedCompositeFieldContainer[ModelInfo]
    version: str
    def __init__(self, version: _Optional[str] = ..., models: _Optional[_Iterable[_Union[ModelInfo, _Mapping]]] = ..., limits: _Optional[_Union[Limits, _Mapping]] = ...) -> None: ...

class Limits(_message.Message):
    __slots__ = ["frame_timeout_ms", "idle_timeout_ms", "max_answer_bytes_per_connection", "max_batch_tokens", "max_connections", "max_connections_per_address", "max_failed_authentications", "max_frame_bytes", "max_image_bytes", "max_image_pixels", "max_in_flight_per_connection", "max_inputs_per_request", "max_patches", "max_response_bytes", "max_text_bytes", "max_top_k", "max_vectors_per_document"]
    FRAME_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    IDLE_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_ANSWER_BYTES_PER_CONNECTION_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONNECTIONS_PER_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    MAX_FAILED_AUTHENTICATIONS_FIELD_NUMBER: _ClassVar[int]
    MAX_FRAME_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_IMAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_IMAGE_PIXELS_FIELD_NUMBER: _ClassVar[int]
    MAX_INPUTS_PER_REQUEST_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_PER_CONNECTION_FIELD_NUMBER: _ClassVar[int]
    MAX_PATCHES_FIELD_NUMBER: _ClassVar[int]
    MAX_RESPONSE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_TEXT_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_TOP_K_FIELD_NUMBER: _ClassVar[int]
    MAX_VECTORS_PER_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    frame_timeout_ms: int
    idle_timeout_ms: int
    max_answer_bytes_per_connection: int
    max_batch_tokens: int
    max_connections: int
    max_connections_per_address: int
    max_failed_authentications: int
    max_frame_bytes: int
    max_image_bytes: int
    max_image_pixels: int
    max_in_flight_per_connection: int
    max_inputs_per_request: int
    max_patches: int
    max_response_bytes: int
    max_text_bytes: int
    max_top_k: int
    max_vectors_per_document: int
    def __init__(self, max_frame_bytes: _Optional[int] = ..., max_inputs_per_request: _Optional[int] = ..., max_batch_tokens: _Optional[int] = ..., max_text_bytes: _Optional[int] = ..., max_image_bytes: _Optional[int] = ..., max_image_pixels: _Optional[int] = ..., max_patches: _Optional[int] = ..., max_connections: _Optional[int] = ..., max_vectors_per_document: _Optional[int] = ..., max_top_k: _Optional[int] = ..., max_response_bytes: _Optional[int] = ..., max_connections_per_address: _Optional[int] = ..., max_answer_bytes_per_connection: _Optional[int] = ..., idle_timeout_ms: _Optional[int] = ..., max_failed_authentications: _Optional[int] = ..., max_in_flight_per_connection: _Optional[int] = ..., frame_timeout_ms: _Optional[int] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ["allowed_dimensions", "architecture", "compute_precision", "default_prompt_name", "dimension", "image_mean", "image_size", "image_std", "input_kinds", "max_input_tokens", "name", "normalizes", "patch_size", "prompts", "token_dimension"]
    class PromptsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ALLOWED_DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_PRECISION_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PROMPT_NAME_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_MEAN_FIELD_NUMBER: _ClassVar[int]
    IMAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_STD_FIELD_NUMBER: _ClassVar[int]
    INPUT_KINDS_FIELD_NUMBER: _ClassVar[int]
    MAX_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NORMALIZES_FIELD_NUMBER: _ClassVar[int]
    PATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    PROMPTS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_DIMENSION_FIELD_NUMBER: _ClassVar[int]
    allowed_dimensions: _containers.RepeatedScalarFieldContainer[int]
    architecture: str
    compute_precision: ComputePrecision
    default_prompt_name: str
    dimension: int
    image_mean: _containers.RepeatedScalarFieldContainer[float]
    image_size: int
    image_std: _containers.RepeatedScalarFieldContainer[float]
    input_kinds: _containers.RepeatedScalarFieldContainer[InputKind]
    max_input_tokens: int
    name: str
    normalizes: bool
    patch_size: int
    prompts: _containers.ScalarMap[str, str]
    token_dimension: int
    def __init__(self, name: _Optional[str] = ..., architecture: _Optional[str] = ..., dimension: _Optional[int] = ..., token_dimension: _Optional[int] = ..., allowed_dimensions: _Optional[_Iterable[int]] = ..., prompts: _Optional[_Mapping[str, str]] = ..., default_prompt_name: _Optional[str] = ..., input_kinds: _Optional[_Iterable[_Union[InputKind, str]]] = ..., max_input_tokens: _Optional[int] = ..., patch_size: _Optional[int] = ..., image_size: _Optional[int] = ..., normalizes: bool = ..., image_mean: _Optional[_Iterable[float]] = ..., image_std: _Optional[_Iterable[float]] = ..., compute_precision: _Optional[_Union[ComputePrecision, str]] = ...) -> None: ...

class ComputePrecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class InputKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
