from multiembed.v1 import collections_pb2 as _collections_pb2
from multiembed.v1 import embed_pb2 as _embed_pb2
from multiembed.v1 import health_pb2 as _health_pb2
from multiembed.v1 import info_pb2 as _info_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
