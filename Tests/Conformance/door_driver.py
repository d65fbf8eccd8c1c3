"""Conformance driver for the gRPC and HTTP doors: every case of cases.json, through the
installed `multiembed` Python package's request building and result decoding (as the Python
driver), but with each request sent through another door of the same server:

- grpc: the stubs grpcio-tools generates from Protos/multiembed/v1/service.proto (`run` makes
  them in its scratch folder; their path is CONFORMANCE_GRPC_STUBS), over grpcio. The key goes
  as `authorization: Bearer`, the deadline as `grpc-timeout`; the answer's status is the RPC's
  code and, for per-input errors, the `multiembed-status-bin` trailer.
- http: plain HTTP (urllib) against the native JSON routes, `POST /v1/native/{method}` with the
  request message in proto3 JSON; the key as `Authorization: Bearer`, the deadline as
  `X-Request-Timeout-Ms`. Each embed case OpenAI's embeddings API can say (see
  `openai_request`) is also sent through the real `openai` SDK to `POST /v1/embeddings`, as
  float and as base64, and must give the native route's status and pooled vectors bit for bit;
  a case where it does not gets a status that says so, and fails.

Each door's status becomes the suite's canonical code (our codes are gRPC's): gRPC's code as it
is; an HTTP status with the code its body names, which must be the HTTP status HTTPDoor maps
that code to (`HTTP_STATUS`), else the case fails. A case the door cannot say is in the case's
`"skip_doors": {"grpc"|"http": "why"}` and reported as skipped, never dropped silently.

usage: door_driver.py grpc|http HOST PORT API_KEY CASES_JSON OUT_JSON   (from the repository root)
"""
import base64
import importlib.util
import json
import os
import sys
import urllib.error
import urllib.request
from concurrent.futures import Future

import numpy as np
from google.protobuf import json_format

import multiembed
from multiembed.errors import ConnectionLost
from multiembed.v1 import envelope_pb2, status_pb2

import python_driver

# HTTPDoor's HTTPFailure.httpStatus(of:): each of our codes as an HTTP status.
HTTP_STATUS = {0: 200, 1: 503, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409,
               11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401}
# The `code` of HTTPDoor's error object: our code's name in lower case, or OpenAI's where it
# has one; 413 `request_too_large` is the framed door's RESOURCE_EXHAUSTED for an oversized frame.
CODE_OF_NAME = {name.lower(): number for name, number in status_pb2.Code.items()}
CODE_OF_NAME.update({"invalid_api_key": 16, "model_not_found": 5, "request_too_large": 8, "internal": 13})
EXTRA_HTTP_STATUS = {"request_too_large": 413}


class DoorMismatch(Exception):
    """A door answered in a way that contradicts itself (an HTTP status that is not its code's);
    the driver reports the case as failed with this message."""


class DoorConnection:
    """What `multiembed.Client` asks of a connection (`submit`, `forget`, `closed`, `close`),
    answered through another door: each request is one call, made at once."""

    closed = False

    def submit(self, request):
        future = Future()
        try:
            future.set_result(self.call(request))
        except (ConnectionLost, DoorMismatch) as error:
            future.set_exception(error)
        return future

    def forget(self, request_id):
        pass

    def close(self):
        pass


class GRPCConnection(DoorConnection):
    """The envelope's request as a call of service.proto, its answer back as an envelope."""

    def __init__(self, host, port, stubs):
        import grpc  # only this door needs it
        self._grpc = grpc
        # No message size limit on the client: the server's own limits are what is tested.
        self._channel = grpc.insecure_channel(f"{host}:{port}", options=[
            ("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)])
        embedding = stubs.EmbeddingServiceStub(self._channel)
        collections = stubs.CollectionServiceStub(self._channel)
        self._methods = {
            "embed": embedding.Embed, "info": embedding.Info, "health": embedding.Health,
            "score": collections.Score, "search": collections.Search, "upsert": collections.Upsert,
            "get": collections.Get, "delete": collections.Delete,
            "create_collection": collections.CreateCollection,
            "list_collections": collections.ListCollections, "drop_collection": collections.DropCollection,
        }

    def call(self, request):
        body = request.WhichOneof("body")
        metadata = [("authorization", f"Bearer {request.api_key}")] if request.api_key else []
        timeout = request.deadline_ms / 1000 if request.deadline_ms else None
        response = envelope_pb2.Response(id=request.id)
        try:
            message, call = self._methods[body].with_call(getattr(request, body), metadata=metadata, timeout=timeout)
        except self._grpc.RpcError as error:
            code = error.code().value[0]
            if code == self._grpc.StatusCode.UNAVAILABLE.value[0] and "connect" in (error.details() or "").lower():
                raise ConnectionLost(f"gRPC: {error.details()}") from None
            status = self._trailer_status(error.trailing_metadata())
            if status is not None and status.code != code:
                raise DoorMismatch(f"gRPC code {code}, but multiembed-status-bin says {status.code}")
            response.status.CopyFrom(status or status_pb2.Status(code=code, message=error.details() or ""))
            return response
        getattr(response, body).CopyFrom(message)
        status = self._trailer_status(call.trailing_metadata())
        if status is not None:
            if status.code != 0:
                raise DoorMismatch(f"an OK RPC whose multiembed-status-bin says code {status.code}")
            response.status.CopyFrom(status)
        return response

    @staticmethod
    def _trailer_status(metadata):
        for key, value in metadata or ():
            if key == "multiembed-status-bin":
                return status_pb2.Status.FromString(value)
        return None

    def close(self):
        self._channel.close()


class NativeHTTPConnection(DoorConnection):
    """The envelope's request as `POST /v1/native/{method}` in proto3 JSON; the JSON answer
    (the framed Response without its id, or `{"error", "status"}`) back as an envelope."""

    def __init__(self, host, port):
        self._base = f"http://{host}:{port}/v1/native/"

    def call(self, request):
        body = request.WhichOneof("body")
        headers = {"Content-Type": "application/json"}
        if request.api_key:
            headers["Authorization"] = f"Bearer {request.api_key}"
        if request.deadline_ms:
            headers["X-Request-Timeout-Ms"] = str(request.deadline_ms)
        data = json_format.MessageToJson(getattr(request, body), preserving_proto_field_name=True).encode()
        http_request = urllib.request.Request(self._base + body, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(http_request, timeout=120) as answer:
                http_status, text = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            http_status, text = error.code, error.read()
        except OSError as error:
            raise ConnectionLost(f"HTTP: {error}") from None
        try:
            answer_json = json.loads(text)
        except ValueError:
            raise DoorMismatch(f"HTTP {http_status} with a body that is not JSON: {text[:200]!r}") from None
        response = envelope_pb2.Response(id=request.id)
        if http_status == 200:
            json_format.Parse(text, response)
            if response.status.code != 0:
                raise DoorMismatch(f"HTTP 200 whose status says code {response.status.code}")
            return response
        if "status" in answer_json:
            json_format.ParseDict(answer_json["status"], response.status)
            code = response.status.code
        else:  # refused before the core (the body did not parse): the error object's code
            code = canonical_code(answer_json, http_status)
            response.status.code = code
            response.status.message = answer_json.get("error", {}).get("message", "")
        check_http_status(http_status, code, answer_json)
        return response


def canonical_code(answer_json, http_status):
    """Our code for an HTTP error body: the `code` of its error object."""
    name = (answer_json.get("error") or {}).get("code")
    if name not in CODE_OF_NAME:
        raise DoorMismatch(f"HTTP {http_status} with an error code {name!r} that names none of ours")
    return CODE_OF_NAME[name]


def check_http_status(http_status, code, answer_json):
    name = (answer_json.get("error") or {}).get("code")
    want = EXTRA_HTTP_STATUS.get(name, HTTP_STATUS.get(code))
    if http_status != want:
        raise DoorMismatch(f"HTTP {http_status} for code {code} (HTTPDoor maps it to {want})")


def door_client(door, host, port, api_key, stubs):
    """A multiembed.Client whose requests go through `door`."""
    client = multiembed.Client(host, port, api_key=api_key, timeout=120.0)
    connection = GRPCConnection(host, port, stubs) if door == "grpc" else NativeHTTPConnection(host, port)
    client._connect = lambda: connection  # the one seam: every request goes through _connect()
    original_close = client.close
    client.close = lambda: (connection.close(), original_close())
    return client


# --- OpenAI's embeddings API -------------------------------------------------------------------

def openai_request(case):
    """The `embeddings.create` arguments for `case`, or None when OpenAI's API cannot say it: it
    takes non-empty texts only, pooled float32 output, the model's default prompt, normalisation
    and truncation (end), and answers all or nothing (so no case that expects per-input errors
    without all_or_nothing)."""
    if "op" in case or any(case.get(k) for k in ("images", "patches", "pages")):
        return None
    texts = [python_driver.text_of(t) for t in case.get("texts", [])]
    if not texts or "" in texts:
        return None
    if case.get("output", "pooled") != "pooled" or case.get("encoding", "float32") != "float32":
        return None
    if any(k in case for k in ("prompt_name", "instruction", "normalize")) or case.get("truncate", "end") != "end":
        return None
    if case.get("expect", {}).get("input_errors") and not case.get("all_or_nothing"):
        return None
    return {"input": texts, "model": case.get("model") or None, "dimensions": case.get("dimensions")}


def openai_answer(openai, base_url, key, model, arguments, case, encoding_format):
    """(status, [hex of each pooled vector]) of one `embeddings.create` call; key "" = none."""
    # The SDK will not start without a key: a case without one has the header taken out.
    client = openai.OpenAI(base_url=base_url, api_key=key or "none", max_retries=0, timeout=120.0)
    extra = {"dimensions": arguments["dimensions"]} if arguments["dimensions"] else {}
    headers = {} if key else {"Authorization": openai.Omit()}
    if "deadline_ms" in case:
        headers["X-Request-Timeout-Ms"] = str(case["deadline_ms"])
    try:
        answer = client.embeddings.create(input=arguments["input"], model=arguments["model"] or model,
                                          encoding_format=encoding_format, extra_headers=headers, **extra)
    except openai.APIStatusError as error:
        body = error.body if isinstance(error.body, dict) else {}
        body = {"error": body.get("error", body)}
        code = canonical_code(body, error.status_code)
        check_http_status(error.status_code, code, body)
        return code, []
    if encoding_format == "base64":
        vectors = [base64.b64decode(e.embedding).hex() for e in answer.data]
    else:
        vectors = [np.asarray(e.embedding, dtype="<f4").tobytes().hex() for e in answer.data]
    return 0, vectors


def check_openai(openai, base_url, api_key, default_model, case, result):
    """The native route's result, or one whose status says how the OpenAI route differs."""
    arguments = openai_request(case)
    if arguments is None:
        return result, False
    key = api_key if "api_key" not in case else case["api_key"]
    native = (result["status"], [e["pooled"]["hex"] for e in result.get("embeddings", []) if e["pooled"]])
    for encoding_format in ("float", "base64"):
        try:
            got = openai_answer(openai, base_url, key, default_model, arguments, case, encoding_format)
        except (DoorMismatch, openai.OpenAIError) as error:
            got = (f"raised {error!r}", [])
        if got != native:
            if got[0] != native[0]:
                what = f"status: {got[0]} vs {native[0]}"
            elif len(got[1]) != len(native[1]):
                what = f"vector count: {len(got[1])} vs {len(native[1])}"
            else:
                what = f"vector {next(i for i, (a, b) in enumerate(zip(got[1], native[1])) if a != b)}"
            return {"name": case["name"], "status": f"the OpenAI route ({encoding_format}) differs from the "
                    f"native route in its {what}"}, True
    return result, True


def main():
    door, host, port, api_key, cases_path, out_path = sys.argv[1:7]
    port = int(port)
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    stubs = None
    if door == "grpc":
        path = os.path.join(os.environ["CONFORMANCE_GRPC_STUBS"], "multiembed", "v1", "service_pb2_grpc.py")
        spec = importlib.util.spec_from_file_location("service_pb2_grpc", path)
        stubs = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(stubs)
    elif door != "http":
        sys.exit(f"unknown door {door!r} (grpc or http)")

    def make_client(key):  # None: the suite's key; "": none
        return door_client(door, host, port, api_key if key is None else (key or None), stubs)

    runnable = [c for c in cases if door not in c.get("skip_doors", {})]
    results = {r["name"]: r for r in python_driver.run_cases(runnable, make_client, "-" + door)}
    through_openai = 0
    if door == "http":
        import openai
        base_url = f"http://{host}:{port}/v1"
        # OpenAI's API always names the model: the default is the first GET /v1/models lists.
        default_model = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0).models.list().data[0].id
        for case in runnable:
            result, checked = check_openai(openai, base_url, api_key, default_model, case, results[case["name"]])
            results[case["name"]] = result
            through_openai += checked
        print(f"summary: {through_openai} cases also through the openai SDK (float and base64)")
    out = [results.get(c["name"]) or {"name": c["name"], "skipped": f"{door} door: {c['skip_doors'][door]}"}
           for c in cases]
    print(f"summary: {len(runnable)} cases through the {door} door, {len(cases) - len(runnable)} skipped (skip_doors)")
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"client": door, "results": out}, f)


if __name__ == "__main__":
    main()
