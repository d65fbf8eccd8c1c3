from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MatchedPatch(_message.Message):
    __slots__ = ["height", "query_vectors", "score", "vector", "width", "x", "y"]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    QUERY_VECTORS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    height: int
    query_vectors: _containers.RepeatedScalarFieldContainer[int]
    score: float
    vector: int
    width: int
    x: int
    y: int
    def __init__(self, vector: _Optional[int] = ..., x: _Optional[int] = ..., y: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., query_vectors: _Optional[_Iterable[int]] = ..., score: _Optional[float] = ...) -> None: ...

class MatchedWord(_message.Message):
    __slots__ = ["query_vectors", "score", "word", "word_index"]
    QUERY_VECTORS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    WORD_FIELD_NUMBER: _ClassVar[int]
    WORD_INDEX_FIELD_NUMBER: _ClassVar[int]
    query_vectors: _containers.RepeatedScalarFieldContainer[int]
    score: float
    word: PageWord
    word_index: int
    def __init__(self, word_index: _Optional[int] = ..., word: _Optional[_Union[PageWord, _Mapping]] = ..., query_vectors: _Optional[_Iterable[int]] = ..., score: _Optional[float] = ...) -> None: ...

class Page(_message.Message):
    __slots__ = ["image", "include_patches", "languages", "name", "page_number", "pdf"]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PATCHES_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PDF_FIELD_NUMBER: _ClassVar[int]
    image: bytes
    include_patches: bool
    languages: _containers.RepeatedScalarFieldContainer[str]
    name: str
    page_number: int
    pdf: bytes
    def __init__(self, image: _Optional[bytes] = ..., pdf: _Optional[bytes] = ..., page_number: _Optional[int] = ..., languages: _Optional[_Iterable[str]] = ..., name: _Optional[str] = ..., include_patches: bool = ...) -> None: ...

class PagePatches(_message.Message):
    __slots__ = ["columns", "height", "leading", "rows", "vectors", "width", "x", "y"]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    LEADING_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    columns: int
    height: int
    leading: int
    rows: int
    vectors: int
    width: int
    x: int
    y: int
    def __init__(self, vectors: _Optional[int] = ..., leading: _Optional[int] = ..., rows: _Optional[int] = ..., columns: _Optional[int] = ..., x: _Optional[int] = ..., y: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class PageText(_message.Message):
    __slots__ = ["dpi", "height", "note", "patches", "source", "text", "width", "words"]
    DPI_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    PATCHES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    dpi: int
    height: int
    note: str
    patches: PagePatches
    source: str
    text: str
    width: int
    words: _containers.RepeatedCompositeFieldContainer[PageWord]
    def __init__(self, width: _Optional[int] = ..., height: _Optional[int] = ..., words: _Optional[_Iterable[_Union[PageWord, _Mapping]]] = ..., text: _Optional[str] = ..., source: _Optional[str] = ..., note: _Optional[str] = ..., dpi: _Optional[int] = ..., patches: _Optional[_Union[PagePatches, _Mapping]] = ...) -> None: ...

class PageWord(_message.Message):
    __slots__ = ["block", "confidence", "height", "line", "text", "width", "x", "y"]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    block: int
    confidence: float
    height: int
    line: int
    text: str
    width: int
    x: int
    y: int
    def __init__(self, text: _Optional[str] = ..., x: _Optional[int] = ..., y: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., confidence: _Optional[float] = ..., block: _Optional[int] = ..., line: _Optional[int] = ...) -> None: ...
