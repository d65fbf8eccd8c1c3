"""Conformance driver for the Python client: runs every case of cases.json through the
installed `multiembed` package and writes the canonical results (see README.md): embed cases,
and late-interaction cases (with an "op") on collections named by the case + "-python".

usage: python_driver.py HOST PORT API_KEY CASES_JSON OUT_JSON   (run from the repository root)
"""
import json
import sys

import numpy as np

import multiembed
from multiembed.encodings import dequantize


def text_of(item):
    """A text input of the case list: a string, or {"repeat": s, "times": n}."""
    if isinstance(item, str):
        return item
    return item["repeat"] * item["times"]


def image_of(item):
    """The bytes of an image input: {"file": path[, "take_bytes": n]} or {"hex": "..."}."""
    if "hex" in item:
        return bytes.fromhex(item["hex"])
    with open(item["file"], "rb") as f:
        data = f.read()
    return data[: item["take_bytes"]] if "take_bytes" in item else data


def patches_of(item):
    """A patch grid whose values are exact in float32: ((i*7 + seed*13) % 97 - 48) / 32."""
    rows, cols, size = item["rows"], item["cols"], item["patch_size"]
    channels = item.get("channels", 3)
    i = np.arange(rows * cols * channels * size * size, dtype=np.int64)
    values = (((i * 7 + item["seed"] * 13) % 97) - 48).astype(np.float32) / np.float32(32)
    if item.get("nan"):
        values[0] = np.nan
    return multiembed.PatchGrid(values, rows=rows, cols=cols, patch_size=size, channels=channels)


def page_of(item):
    """A page input: {"image_file": path} or {"pdf_file": path[, "page_number": n]}, optionally
    "languages"; paths relative to the repository root (the driver runs from it)."""
    languages = item.get("languages", [])
    if "image_file" in item:
        return multiembed.Page(image=item["image_file"], languages=languages)
    return multiembed.Page(pdf=item["pdf_file"], page_number=item.get("page_number", 0), languages=languages)


def page_text_json(text):
    """A text layer as the canonical result has it: text, source and the word count (or null)."""
    if text is None:
        return None
    return {"text": text.text, "source": text.source, "words": len(text.words)}


def float_hex(values):
    """float32 little-endian bytes of the values (float16 and float32 convert exactly)."""
    return np.ascontiguousarray(values, dtype="<f4").tobytes().hex()


def vector_hex(encoding, rows, scales):
    """The canonical hex of a (count, width) array of one encoding: the packed bits as received
    for binary, else the float32 bytes of the client's own decoding (int8: its dequantize)."""
    if encoding == "binary":
        return np.ascontiguousarray(rows, dtype=np.uint8).tobytes().hex()
    if encoding == "int8":
        return float_hex(dequantize(rows, "int8", scales))
    return float_hex(rows)


def vectors_of(spec):
    """(count, dimension) float32 vectors exact in every language: the patch formula's values."""
    count, dimension = spec["count"], spec["dimension"]
    i = np.arange(count * dimension, dtype=np.int64)
    values = (((i * 7 + spec["seed"] * 13) % 97) - 48).astype(np.float32) / np.float32(32)
    if spec.get("nan"):
        values[0] = np.nan
    return values.reshape(count, dimension)


def pooled_of(spec):
    """A pooled vector ({"dimension", "seed"}: Document.pooled, SearchRequest.query_pooled):
    (dimension,) float32 by the same formula; None when the case gives none."""
    if spec is None:
        return None
    return vectors_of({"count": 1, "dimension": spec["dimension"], "seed": spec["seed"]})[0]


SOURCE_KEYS = ("stored", "text", "image", "patches", "page", "vectors")


def source_of(item):
    """A query or document of a late-interaction case: {"text"}, {"image"}, {"patches"}, {"page"},
    {"vectors"} or {"stored": id}."""
    if "stored" in item:
        return multiembed.StoredId(item["stored"])
    if "text" in item:
        return text_of(item["text"])
    if "image" in item:
        return image_of(item["image"])
    if "patches" in item:
        return patches_of(item["patches"])
    if "page" in item:
        return page_of(item["page"])
    return vectors_of(item["vectors"])


def optional_source(item):
    """A source, or None when the document or search gives none (a pooled vector alone)."""
    return source_of(item) if item is not None and any(key in item for key in SOURCE_KEYS) else None


def hex32(values):
    return np.asarray(values, dtype="<f4").tobytes().hex()


def collection_json(info, suffix):
    return {"name": info.name[:len(info.name) - len(suffix)], "dimension": info.dimension, "precision": list(multiembed.Precision).index(info.precision),
            "pool_factor": info.pool_factor, "max_vectors": info.max_vectors, "model": info.model,
            "document_count": info.document_count, "kind": info.kind.wire}


def document_json(d):
    """A Document of Get: vectors and pooled vector as the float32 bytes received (or null)."""
    return {"id": d.id, "metadata": d.metadata,
            "vectors": None if d.vectors is None else {
                "count": int(d.vectors.shape[0]), "dimension": int(d.vectors.shape[1]), "hex": hex32(d.vectors)},
            "pooled": None if d.pooled is None else {"dimension": int(d.pooled.shape[0]), "hex": hex32(d.pooled)},
            "page_text": page_text_json(d.page_text)}


def run_op(client, case, suffix):
    """A late-interaction case: its canonical result (README.md), collections named name + suffix."""
    op = case["op"]
    name = case.get("collection", "") + suffix
    prompts = {"prompt_name": case.get("prompt_name"), "instruction": case.get("instruction")}
    try:
        if op == "create_collection":
            info = client.create_collection(name, model=case.get("model"), dimension=case.get("dimension"),
                                            precision=case.get("precision", "float32"),
                                            pool_factor=case.get("pool_factor", 1), max_vectors=case.get("max_vectors"),
                                            vectors_only=case.get("vectors_only", False),
                                            kind=case.get("kind", "multi_vector"))
            body = {"collection": collection_json(info, suffix)}
        elif op == "list_collections":
            mine = [c for c in client.list_collections() if c.name.endswith(suffix)]
            body = {"collections": sorted((collection_json(c, suffix) for c in mine), key=lambda c: c["name"])}
        elif op == "drop_collection":
            client.drop_collection(name)
            body = {}
        elif op == "upsert":
            docs = case["documents"]
            result = client.upsert(name, [d["id"] for d in docs], [optional_source(d) for d in docs],
                                   metadata=[d.get("metadata") for d in docs],
                                   pooled=[pooled_of(d.get("pooled")) for d in docs], **prompts)
            body = {"upserted": result.upserted}
        elif op == "delete":
            body = {"deleted": client.delete(name, case["ids"])}
        elif op == "get":
            documents = client.get(name, case["ids"], include_vectors=case.get("include_vectors", False))
            body = {"documents": [document_json(d) for d in documents]}
        elif op == "search":
            hits = client.search(name, optional_source(case.get("query")), top_k=case.get("top_k", 10),
                                 filter_ids=case.get("filter_ids"), filter_metadata=case.get("filter_metadata"),
                                 mode=case.get("mode"), metric=case.get("metric", "cosine"),
                                 candidates=case.get("candidates"), query_pooled=pooled_of(case.get("query_pooled")),
                                 include_matches=case.get("include_matches", False), **prompts)
            body = {"hits": [{"id": h.id, "score": hex32([h.score]), "metadata": h.metadata} for h in hits]}
            if case.get("include_matches"):
                for hit, entry in zip(hits, body["hits"]):
                    entry["matches"] = [m.word.text for m in hit.matches]
        elif op == "score":
            result = client.score(source_of(case["query"]), [source_of(d) for d in case["documents"]],
                                  model=case.get("model") or None,
                                  collection=name if "collection" in case else None)
            body = {"scores": [hex32([s]) for s in result.scores]}
        else:
            raise ValueError(f"unknown op {op!r}")
    except multiembed.MultiEmbedError as error:
        return {"name": case["name"], "status": int(error.code)}
    except Exception as error:  # a client bug: fails this case only
        return {"name": case["name"], "status": f"client raised {error!r}"}
    return {"name": case["name"], "status": 0, **body}


def run_case(client, case):
    encoding = case.get("encoding", "float32")
    output = case.get("output", "pooled")
    kwargs = dict(
        model=case.get("model") or None,
        prompt_name=case.get("prompt_name"),
        instruction=case.get("instruction"),
        dimensions=case.get("dimensions"),
        normalize=case.get("normalize"),
        encoding=encoding,
        output=output,
        truncate=case.get("truncate", "end"),
        all_or_nothing=case.get("all_or_nothing", False),
    )
    if "deadline_ms" in case:
        kwargs["deadline"] = case["deadline_ms"] / 1000.0
    texts = [text_of(t) for t in case.get("texts", [])] or None
    images = [image_of(i) for i in case.get("images", [])] or None
    patches = [patches_of(p) for p in case.get("patches", [])] or None
    pages = [page_of(p) for p in case.get("pages", [])] or None
    try:
        result = client.embed_result(texts, images, patches, pages, **kwargs)
    except multiembed.MultiEmbedError as error:
        return {"name": case["name"], "status": int(error.code), "input_errors": [], "embeddings": []}
    except Exception as error:  # a client bug: fails this case only, with what went wrong
        return {"name": case["name"], "status": f"client raised {error!r}", "input_errors": [], "embeddings": []}

    failed = {e.index for e in result.errors}
    count = len(result.truncated)
    embeddings = []
    for i in range(count):
        entry = {"truncated": bool(result.truncated[i]), "pooled": None, "multi_vector": None,
                 "page_text": page_text_json(result.page_texts[i])}
        if i not in failed:
            if result.pooled is not None:
                scales = result.pooled_scales[i : i + 1] if result.pooled_scales is not None else None
                entry["pooled"] = {"dimension": int(result.dimension),
                                   "hex": vector_hex(encoding, result.pooled[i : i + 1], scales)}
            if result.multi_vectors is not None:
                rows = result.multi_vectors[i]
                scales = result.multi_vector_scales[i] if result.multi_vector_scales is not None else None
                entry["multi_vector"] = {"count": int(rows.shape[0]), "dimension": int(result.token_dimension),
                                         "hex": vector_hex(encoding, rows, scales)}
        embeddings.append(entry)
    return {
        "name": case["name"],
        "status": 0,
        "input_errors": [[e.index, int(e.code)] for e in sorted(result.errors, key=lambda e: e.index)],
        "embeddings": embeddings,
    }


def run_cases(cases, make_client, suffix):
    """Every case through clients that ``make_client(api_key)`` opens ("" = no key); late-
    interaction cases on collections named by the case + ``suffix``. The door drivers
    (door_driver.py) run the same cases through this with clients of the other doors."""
    results = []
    with make_client(None) as client:
        for case in cases:
            if "op" in case:
                results.append(run_op(client, case, suffix))
            elif "api_key" in case:  # a client of its own, with that key ("" = none)
                with make_client(case["api_key"]) as other:
                    results.append(run_case(other, case))
            else:
                results.append(run_case(client, case))
    return results


def main():
    host, port, api_key, cases_path, out_path = sys.argv[1:6]
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)["cases"]

    def make_client(key):  # None: the suite's key; "": none
        key = api_key if key is None else (key or None)
        return multiembed.Client(host, int(port), api_key=key, timeout=60.0)

    results = run_cases(cases, make_client, "-python")
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"client": "python", "results": results}, f)


if __name__ == "__main__":
    main()
