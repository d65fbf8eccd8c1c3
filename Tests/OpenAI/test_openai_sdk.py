"""The HTTP door through the real `openai` SDK from PyPI, against a running `multiembed serve
--http-port`: the vectors must equal the framed protocol's (the Python client's) bit for bit,
whichever encoding_format the SDK asks for, and errors must arrive as the SDK's own exceptions.

usage: python test_openai_sdk.py HTTP_PORT FRAMED_PORT API_KEY   (Tests/OpenAI/run starts the server)
Ends with "N passed, N failed"; exits 1 when any check failed.
"""
import struct
import sys
import traceback

import numpy as np
import openai
from openai import OpenAI

from multiembed import Client

MODEL = "all-MiniLM-L6-v2"
TEXTS = ["a first sentence", "the second one, a little longer than the first", "3 é ü 😀"]


def main() -> int:
    http_port, framed_port, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    sdk = OpenAI(base_url=f"http://127.0.0.1:{http_port}/v1", api_key=key, max_retries=0)
    with Client("127.0.0.1", framed_port, api_key=key) as framed:
        expected = np.asarray(framed.embed(TEXTS, model=MODEL), dtype=np.float32)

    def bits(vectors) -> bytes:
        return np.asarray(vectors, dtype=np.float32).tobytes()

    def default_encoding() -> None:
        # The SDK asks for base64 unless told otherwise and decodes it itself.
        answer = sdk.embeddings.create(model=MODEL, input=TEXTS)
        assert [d.index for d in answer.data] == [0, 1, 2]
        assert bits([d.embedding for d in answer.data]) == expected.tobytes()
        assert answer.model == MODEL
        assert answer.usage.prompt_tokens > 0 and answer.usage.total_tokens == answer.usage.prompt_tokens

    def float_encoding() -> None:
        answer = sdk.embeddings.create(model=MODEL, input=TEXTS, encoding_format="float")
        got = b"".join(struct.pack("<f", x) for d in answer.data for x in d.embedding)
        assert got == expected.tobytes()

    def single_string() -> None:
        answer = sdk.embeddings.create(model=MODEL, input=TEXTS[1], user="someone")
        assert bits([answer.data[0].embedding]) == expected[1:2].tobytes()

    def models() -> None:
        names = [m.id for m in sdk.models.list().data]
        assert MODEL in names, names
        assert sdk.models.retrieve(MODEL).id == MODEL

    def unknown_model() -> None:
        try:
            sdk.embeddings.create(model="no-such-model", input="x")
        except openai.NotFoundError as error:
            assert error.code == "model_not_found", error.body
        else:
            raise AssertionError("no error for an unknown model")

    def wrong_key() -> None:
        other = OpenAI(base_url=f"http://127.0.0.1:{http_port}/v1", api_key="not-the-key", max_retries=0)
        try:
            other.embeddings.create(model=MODEL, input="x")
        except openai.AuthenticationError as error:
            assert error.code == "invalid_api_key", error.body
        else:
            raise AssertionError("no error for a wrong key")

    def bad_request() -> None:
        try:
            sdk.embeddings.create(model=MODEL, input=[[1, 2, 3]])
        except openai.BadRequestError as error:
            assert error.param == "input", error.body
        else:
            raise AssertionError("token arrays were accepted")

    checks = [default_encoding, float_encoding, single_string, models, unknown_model, wrong_key, bad_request]
    passed = failed = 0
    for check in checks:
        try:
            check()
            passed += 1
            print(f"ok {check.__name__}")
        except Exception:
            failed += 1
            print(f"FAILED {check.__name__}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
