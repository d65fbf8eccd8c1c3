"""Calls the gRPC door as grpcurl does: with no stubs and no .proto files, only what the server's
reflection service says (grpcio-reflection's descriptor database, which asks
grpc.reflection.v1alpha). Lists the services, builds an EmbedRequest from the descriptors it
was sent, calls Embed with it, and checks that the answer is the one the generated messages get.

usage: reflection_check.py HOST PORT API_KEY
"""
import sys

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from multiembed.v1 import embed_pb2

SERVICES = {
    "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
    "multiembed.v1.CollectionService", "multiembed.v1.EmbeddingService",
}
TEXTS = ["reflection builds this request", "and this one"]


def main():
    host, port, key = sys.argv[1], sys.argv[2], sys.argv[3]
    failures = []
    with grpc.insecure_channel(f"{host}:{port}") as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        services = set(database.get_services())
        if services != SERVICES:
            failures.append(f"services listed: {sorted(services)}, expected {sorted(SERVICES)}")
        pool = descriptor_pool.DescriptorPool(database)
        method = pool.FindServiceByName("multiembed.v1.EmbeddingService").FindMethodByName("Embed")
        request_class = message_factory.GetMessageClass(method.input_type)
        response_class = message_factory.GetMessageClass(method.output_type)
        reflected = json_format.ParseDict({"inputs": [{"text": text} for text in TEXTS]}, request_class())
        path = "/multiembed.v1.EmbeddingService/Embed"
        call = channel.unary_unary(
            path, request_serializer=lambda m: m.SerializeToString(), response_deserializer=response_class.FromString)
        answer = call(reflected, metadata=[("authorization", f"Bearer {key}")], timeout=60)
        generated = embed_pb2.EmbedRequest(inputs=[embed_pb2.Input(text=text) for text in TEXTS])
        if reflected.SerializeToString() != generated.SerializeToString():
            failures.append("the request built from reflection differs from the generated message's")
        expected = channel.unary_unary(
            path, request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=embed_pb2.EmbedResponse.FromString)(
                generated, metadata=[("authorization", f"Bearer {key}")], timeout=60)
        got = [e.pooled.data for e in answer.embeddings]
        want = [e.pooled.data for e in expected.embeddings]
        if len(got) != len(TEXTS) or got != want:
            failures.append(f"Embed through reflection: {len(got)} vectors, not the {len(want)} the generated messages get")
        try:
            call(reflected, timeout=60)
            failures.append("Embed without a key was answered")
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNAUTHENTICATED:
                failures.append(f"Embed without a key: {error.code()}, not UNAUTHENTICATED")
    for failure in failures:
        print(f"FAIL reflection: {failure}")
    print(f"summary: reflection: {len(services)} services listed, Embed called from reflected descriptors, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
