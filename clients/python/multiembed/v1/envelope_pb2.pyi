from multiembed.v1 import collections_pb2 as _collections_pb2
from multiembed.v1 import embed_pb2 as _embed_pb2
from multiembed.v1 import health_pb2 as _health_pb2
from multiembed.v1 import info_pb2 as _info_pb2
from multiembed.v1 import status_pb2 as _status_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Request(_message.Message):
    __slots__ = ["api_key", "create_collection", "deadline_ms", "delete", "drop_collection", "embed", "get", "health", "id", "info", "list_collections", "score", "search", "upsert"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    CREATE_COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_MS_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    DROP_COLLECTION_FIELD_NUMBER: _ClassVar[int]
    EMBED_FIELD_NUMBER: _ClassVar[int]
    GET_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    LIST_COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    UPSERT_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    create_collection: _collections_pb2.CreateCollectionRequest
    deadline_ms: int
    delete: _collections_pb2.DeleteRequest
    drop_collection: _collections_pb2.DropCollectionRequest
    embed: _embed_pb2.EmbedRequest
    get: _collections_pb2.GetRequest
    health: _health_pb2.HealthRequest
    id: int
    info: _info_pb2.InfoRequest
    list_collections: _collections_pb2.ListCollectionsRequest
    score: _collections_pb2.ScoreRequest
    search: _collections_pb2.SearchRequest
    upsert: _collections_pb2.UpsertRequest
    def __init__(self, id: _Optional[int] = ..., deadline_ms: _Optional[int] = ..., api_key: _Optional[str] = ..., embed: _Optional[_Union[_embed_pb2.EmbedRequest, _Mapping]] = ..., info: _Optional[_Union[_info_pb2.InfoRequest, _Mapping]] = ..., health: _Optional[_Union[_health_pb2.HealthRequest, _Mapping]] = ..., score: _Optional[_Union[_collections_pb2.ScoreRequest, _Mapping]] = ..., search: _Optional[_Union[_collections_pb2.SearchRequest, _Mapping]] = ..., upsert: _Optional[_Union[_collections_pb2.UpsertRequest, _Mapping]] = ..., delete: _Optional[_Union[_collections_pb2.DeleteRequest, _Mapping]] = ..., get: _Optional[_Union[_collections_pb2.GetRequest, _Mapping]] = ..., create_collection: _Optional[_Union[_collections_pb2.CreateCollectionRequest, _Mapping]] = ..., list_collections: _Optional[_Union[_collections_pb2.ListCollectionsRequest, _Mapping]] = ..., drop_collection: _Optional[_Union[_collections_pb2.DropCollectionRequest, _Mapping]] = ...) -> None: ...

class Response(_message.Message):
    __slots__ = ["create_collection", "delete", "drop_collection", "embed", "get", "health", "id", "info", "list_collections", "score", "search", "status", "upsert"]
    CREATE_COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    DROP_COLLECTION_FIELD_NUMBER: _ClassVar[int]
    EMBED_FIELD_NUMBER: _ClassVar[int]
    GET_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    LIST_COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPSERT_FIELD_NUMBER: _ClassVar[int]
    create_collection: _collections_pb2.CreateCollectionResponse
    delete: _collections_pb2.DeleteResponse
    drop_collection: _collections_pb2.DropCollectionResponse
    embed: _embed_pb2.EmbedResponse
    get: _collections_pb2.GetResponse
    health: _health_pb2.HealthResponse
    id: int
    info: _info_pb2.InfoResponse
    list_collections: _collections_pb2.ListCollectionsResponse
    score: _collections_pb2.ScoreResponse
    search: _collections_pb2.SearchResponse
    status: _status_pb2.Status
    upsert: _collections_pb2.UpsertResponse
    def __init__(self, id: _Optional[int] = ..., status: _Optional[_Union[_status_pb2.Status, _Mapping]] = ..., embed: _Optional[_Union[_embed_pb2.EmbedResponse, _Mapping]] = ..., info: _Optional[_Union[_info_pb2.InfoResponse, _Mapping]] = ..., health: _Optional[_Union[_health_pb2.HealthResponse, _Mapping]] = ..., score: _Optional[_Union[_collections_pb2.ScoreResponse, _Mapping]] = ..., search: _Optional[_Union[_collections_pb2.SearchResponse, _Mapping]] = ..., upsert: _Optional[_Union[_collections_pb2.UpsertResponse, _Mapping]] = ..., delete: _Optional[_Union[_collections_pb2.DeleteResponse, _Mapping]] = ..., get: _Optional[_Union[_collections_pb2.GetResponse, _Mapping]] = ..., create_collection: _Optional[_Union[_collections_pb2.CreateCollectionResponse, _Mapping]] = ..., list_collections: _Optional[_Union[_collections_pb2.ListCollectionsResponse, _Mapping]] = ..., drop_collection: _Optional[_Union[_collections_pb2.DropCollectionResponse, _Mapping]] = ...) -> None: ...
