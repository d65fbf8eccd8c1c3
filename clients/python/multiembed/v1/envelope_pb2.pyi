from multiembed.v1 import embed_pb2 as _embed_pb2
from multiembed.v1 import health_pb2 as _health_pb2
from multiembed.v1 import info_pb2 as _info_pb2
from multiembed.v1 import status_pb2 as _status_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Request(_message.Message):
    __slots__ = ["api_key", "deadline_ms", "embed", "health", "id", "info"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_MS_FIELD_NUMBER: _ClassVar[int]
    EMBED_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    deadline_ms: int
    embed: _embed_pb2.EmbedRequest
    health: _health_pb2.HealthRequest
    id: int
    info: _info_pb2.InfoRequest
    def __init__(self, id: _Optional[int] = ..., deadline_ms: _Optional[int] = ..., api_key: _Optional[str] = ..., embed: _Optional[_Union[_embed_pb2.EmbedRequest, _Mapping]] = ..., info: _Optional[_Union[_info_pb2.InfoRequest, _Mapping]] = ..., health: _Optional[_Union[_health_pb2.HealthRequest, _Mapping]] = ...) -> None: ...

class Response(_message.Message):
    __slots__ = ["embed", "health", "id", "info", "status"]
    EMBED_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    embed: _embed_pb2.EmbedResponse
    health: _health_pb2.HealthResponse
    id: int
    info: _info_pb2.InfoResponse
    status: _status_pb2.Status
    def __init__(self, id: _Optional[int] = ..., status: _Optional[_Union[_status_pb2.Status, _Mapping]] = ..., embed: _Optional[_Union[_embed_pb2.EmbedResponse, _Mapping]] = ..., info: _Optional[_Union[_info_pb2.InfoResponse, _Mapping]] = ..., health: _Optional[_Union[_health_pb2.HealthResponse, _Mapping]] = ...) -> None: ...
