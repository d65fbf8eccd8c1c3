"""Python client for MultiEmbed, a multimodal embedding server (protobuf frames over TCP).

>>> from multiembed import Client
>>> with Client("127.0.0.1", 7878) as client:
...     vectors = client.embed(["a cat", "a dog"])      # (2, d) float32, like sentence-transformers

Late interaction (ColBERT / ColPali style retrieval over multi-vector documents):

>>> with Client() as client:
...     client.create_collection("pages")
...     client.upsert("pages", ids=["p1"], documents=[pathlib.Path("page1.png")])
...     for hit in client.search("pages", "a chart of sales", top_k=5):
...         print(hit.id, hit.score)

See the package README for images, patches, multi-vector output, encodings, errors,
collections and :class:`AsyncClient`.
"""

from .aio import AsyncClient
from .client import DEFAULT_PORT, Client
from .encodings import Encoding, dequantize, unpack_bits
from .errors import (
    Aborted,
    AlreadyExists,
    Cancelled,
    ConnectionLost,
    DataLoss,
    DeadlineExceeded,
    FailedPrecondition,
    FrameTooLarge,
    InputError,
    InputErrors,
    Internal,
    InvalidArgument,
    MultiEmbedError,
    NotFound,
    OutOfRange,
    PermissionDenied,
    ProtocolError,
    ResourceExhausted,
    StatusCode,
    TLSError,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    Unknown,
)
from .inputs import Page, PatchGrid, patchify
from .late_interaction import Source, StoredId
from .results import (CollectionInfo, CollectionKind, Document, EmbedResult, MatchedPatch, MatchedWord, Metric, PagePatches, PageText, PageWord,
                      Precision, ScoreResult, SearchHit, SearchMode, SearchResult, UpsertResult, Usage)
from .v1.health_pb2 import SERVING_STATUS_DRAINING as DRAINING
from .v1.health_pb2 import SERVING_STATUS_NOT_SERVING as NOT_SERVING
from .v1.health_pb2 import SERVING_STATUS_SERVING as SERVING

__version__ = "0.1.0"

__all__ = [
    "Client", "AsyncClient", "DEFAULT_PORT", "EmbedResult", "Usage", "Encoding", "dequantize", "unpack_bits",
    "PatchGrid", "patchify", "Page", "PagePatches", "PageText", "PageWord", "MatchedWord", "MatchedPatch", "SERVING", "NOT_SERVING", "DRAINING", "StatusCode", "InputError",
    "MultiEmbedError", "Cancelled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
    "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
    "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated", "ConnectionLost",
    "TLSError", "ProtocolError", "FrameTooLarge", "InputErrors", "Source", "StoredId", "Precision", "CollectionKind", "SearchMode",
    "Metric", "CollectionInfo", "Document",
    "SearchHit", "SearchResult", "ScoreResult", "UpsertResult", "__version__",
]
