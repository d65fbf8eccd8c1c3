from multiembed.v1 import embed_pb2 as _embed_pb2
from multiembed.v1 import pages_pb2 as _pages_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

COLLECTION_KIND_DENSE: CollectionKind
COLLECTION_KIND_MULTI_VECTOR: CollectionKind
DESCRIPTOR: _descriptor.FileDescriptor
METRIC_COSINE: Metric
METRIC_DOT: Metric
PRECISION_BINARY: Precision
PRECISION_FLOAT16: Precision
PRECISION_FLOAT32: Precision
PRECISION_INT8: Precision
SEARCH_MODE_DEFAULT: SearchMode
SEARCH_MODE_DENSE: SearchMode
SEARCH_MODE_HYBRID: SearchMode
SEARCH_MODE_INDEXED: SearchMode
SEARCH_MODE_MAXSIM: SearchMode

class CollectionInfo(_message.Message):
    __slots__ = ["dimension", "document_count", "kind", "max_vectors", "model", "name", "pool_factor", "precision"]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MAX_VECTORS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POOL_FACTOR_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    dimension: int
    document_count: int
    kind: CollectionKind
    max_vectors: int
    model: str
    name: str
    pool_factor: int
    precision: Precision
    def __init__(self, name: _Optional[str] = ..., dimension: _Optional[int] = ..., precision: _Optional[_Union[Precision, str]] = ..., pool_factor: _Optional[int] = ..., max_vectors: _Optional[int] = ..., model: _Optional[str] = ..., document_count: _Optional[int] = ..., kind: _Optional[_Union[CollectionKind, str]] = ...) -> None: ...

class CreateCollectionRequest(_message.Message):
    __slots__ = ["dimension", "kind", "max_vectors", "model", "name", "pool_factor", "precision", "vectors_only"]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MAX_VECTORS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POOL_FACTOR_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    VECTORS_ONLY_FIELD_NUMBER: _ClassVar[int]
    dimension: int
    kind: CollectionKind
    max_vectors: int
    model: str
    name: str
    pool_factor: int
    precision: Precision
    vectors_only: bool
    def __init__(self, name: _Optional[str] = ..., dimension: _Optional[int] = ..., precision: _Optional[_Union[Precision, str]] = ..., pool_factor: _Optional[int] = ..., max_vectors: _Optional[int] = ..., model: _Optional[str] = ..., vectors_only: bool = ..., kind: _Optional[_Union[CollectionKind, str]] = ...) -> None: ...

class CreateCollectionResponse(_message.Message):
    __slots__ = ["collection"]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    collection: CollectionInfo
    def __init__(self, collection: _Optional[_Union[CollectionInfo, _Mapping]] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ["collection", "ids"]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    collection: str
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, collection: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteResponse(_message.Message):
    __slots__ = ["deleted"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    def __init__(self, deleted: _Optional[int] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ["content", "id", "metadata", "page_text", "pooled"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAGE_TEXT_FIELD_NUMBER: _ClassVar[int]
    POOLED_FIELD_NUMBER: _ClassVar[int]
    content: MultiVectorSource
    id: str
    metadata: _containers.ScalarMap[str, str]
    page_text: _pages_pb2.PageText
    pooled: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, id: _Optional[str] = ..., content: _Optional[_Union[MultiVectorSource, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., pooled: _Optional[_Iterable[float]] = ..., page_text: _Optional[_Union[_pages_pb2.PageText, _Mapping]] = ...) -> None: ...

class DropCollectionRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DropCollectionResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetRequest(_message.Message):
    __slots__ = ["collection", "ids", "include_vectors"]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_VECTORS_FIELD_NUMBER: _ClassVar[int]
    collection: str
    ids: _containers.RepeatedScalarFieldContainer[str]
    include_vectors: bool
    def __init__(self, collection: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ..., include_vectors: bool = ...) -> None: ...

class GetResponse(_message.Message):
    __slots__ = ["documents"]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    def __init__(self, documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ...) -> None: ...

class ListCollectionsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListCollectionsResponse(_message.Message):
    __slots__ = ["collections"]
    COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    collections: _containers.RepeatedCompositeFieldContainer[CollectionInfo]
    def __init__(self, collections: _Optional[_Iterable[_Union[CollectionInfo, _Mapping]]] = ...) -> None: ...

class MultiVectorSource(_message.Message):
    __slots__ = ["document_id", "input", "vectors"]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    input: _embed_pb2.Input
    vectors: _embed_pb2.MultiVector
    def __init__(self, input: _Optional[_Union[_embed_pb2.Input, _Mapping]] = ..., vectors: _Optional[_Union[_embed_pb2.MultiVector, _Mapping]] = ..., document_id: _Optional[str] = ...) -> None: ...

class ScoreRequest(_message.Message):
    __slots__ = ["collection", "document_instruction", "document_prompt_name", "documents", "model", "query", "query_instruction", "query_prompt_name", "truncate"]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_PROMPT_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    QUERY_INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    QUERY_PROMPT_NAME_FIELD_NUMBER: _ClassVar[int]
    TRUNCATE_FIELD_NUMBER: _ClassVar[int]
    collection: str
    document_instruction: str
    document_prompt_name: str
    documents: _containers.RepeatedCompositeFieldContainer[MultiVectorSource]
    model: str
    query: MultiVectorSource
    query_instruction: str
    query_prompt_name: str
    truncate: _embed_pb2.Truncate
    def __init__(self, model: _Optional[str] = ..., query: _Optional[_Union[MultiVectorSource, _Mapping]] = ..., documents: _Optional[_Iterable[_Union[MultiVectorSource, _Mapping]]] = ..., query_prompt_name: _Optional[str] = ..., query_instruction: _Optional[str] = ..., document_prompt_name: _Optional[str] = ..., document_instruction: _Optional[str] = ..., truncate: _Optional[_Union[_embed_pb2.Truncate, str]] = ..., collection: _Optional[str] = ...) -> None: ...

class ScoreResponse(_message.Message):
    __slots__ = ["scores", "usage"]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    scores: _containers.RepeatedScalarFieldContainer[float]
    usage: _embed_pb2.Usage
    def __init__(self, scores: _Optional[_Iterable[float]] = ..., usage: _Optional[_Union[_embed_pb2.Usage, _Mapping]] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ["id", "matched_patches", "matches", "metadata", "score"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    MATCHED_PATCHES_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    id: str
    matched_patches: _containers.RepeatedCompositeFieldContainer[_pages_pb2.MatchedPatch]
    matches: _containers.RepeatedCompositeFieldContainer[_pages_pb2.MatchedWord]
    metadata: _containers.ScalarMap[str, str]
    score: float
    def __init__(self, id: _Optional[str] = ..., score: _Optional[float] = ..., metadata: _Optional[_Mapping[str, str]] = ..., matches: _Optional[_Iterable[_Union[_pages_pb2.MatchedWord, _Mapping]]] = ..., matched_patches: _Optional[_Iterable[_Union[_pages_pb2.MatchedPatch, _Mapping]]] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ["candidates", "collection", "filter_ids", "filter_metadata", "include_matches", "instruction", "metric", "mode", "probes", "prompt_name", "query", "query_pooled", "top_k", "truncate"]
    class FilterMetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    FILTER_IDS_FIELD_NUMBER: _ClassVar[int]
    FILTER_METADATA_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_MATCHES_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PROBES_FIELD_NUMBER: _ClassVar[int]
    PROMPT_NAME_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    QUERY_POOLED_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    TRUNCATE_FIELD_NUMBER: _ClassVar[int]
    candidates: int
    collection: str
    filter_ids: _containers.RepeatedScalarFieldContainer[str]
    filter_metadata: _containers.ScalarMap[str, str]
    include_matches: bool
    instruction: str
    metric: Metric
    mode: SearchMode
    probes: int
    prompt_name: str
    query: MultiVectorSource
    query_pooled: _containers.RepeatedScalarFieldContainer[float]
    top_k: int
    truncate: _embed_pb2.Truncate
    def __init__(self, collection: _Optional[str] = ..., query: _Optional[_Union[MultiVectorSource, _Mapping]] = ..., top_k: _Optional[int] = ..., filter_ids: _Optional[_Iterable[str]] = ..., prompt_name: _Optional[str] = ..., instruction: _Optional[str] = ..., truncate: _Optional[_Union[_embed_pb2.Truncate, str]] = ..., mode: _Optional[_Union[SearchMode, str]] = ..., metric: _Optional[_Union[Metric, str]] = ..., candidates: _Optional[int] = ..., filter_metadata: _Optional[_Mapping[str, str]] = ..., query_pooled: _Optional[_Iterable[float]] = ..., include_matches: bool = ..., probes: _Optional[int] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ["hits", "usage"]
    HITS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    usage: _embed_pb2.Usage
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., usage: _Optional[_Union[_embed_pb2.Usage, _Mapping]] = ...) -> None: ...

class UpsertRequest(_message.Message):
    __slots__ = ["collection", "documents", "instruction", "prompt_name", "truncate"]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTION_FIELD_NUMBER: _ClassVar[int]
    PROMPT_NAME_FIELD_NUMBER: _ClassVar[int]
    TRUNCATE_FIELD_NUMBER: _ClassVar[int]
    collection: str
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    instruction: str
    prompt_name: str
    truncate: _embed_pb2.Truncate
    def __init__(self, collection: _Optional[str] = ..., documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., prompt_name: _Optional[str] = ..., instruction: _Optional[str] = ..., truncate: _Optional[_Union[_embed_pb2.Truncate, str]] = ...) -> None: ...

class UpsertResponse(_message.Message):
    __slots__ = ["upserted", "usage"]
    UPSERTED_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    upserted: int
    usage: _embed_pb2.Usage
    def __init__(self, upserted: _Optional[int] = ..., usage: _Optional[_Union[_embed_pb2.Usage, _Mapping]] = ...) -> None: ...

class Precision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class CollectionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class SearchMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Metric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
