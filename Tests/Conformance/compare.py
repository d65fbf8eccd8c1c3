"""Compares the conformance drivers' canonical results (see README.md).

A case passes when every client produced a result for it, each result matches what the case
expects (status code, per-input error codes, truncation; Protos/README.md is the source of the
expectations) and all clients' results are identical: the same codes, the same vector shapes
and the same bytes (float32 bit patterns; packed bits for binary). The "clients" are the three
client libraries on the framed door and the drivers of the gRPC and HTTP doors, whose statuses
door_driver.py has already turned into the canonical code (and checked against the door's own
status), so that identical results mean the same status and bit-identical vectors on every
door. Prints one line per case, the differences under a failing one, a line of what each client
did, and a closing line "N passed, N failed"; exits 1 on any failure.

usage: python3 compare.py CASES_JSON CLIENT=RESULTS_JSON...   (stdlib only)
"""
import json
import struct
import sys


def load_results(path):
    """name -> result of one driver's output; {} when the driver wrote nothing usable."""
    try:
        with open(path, encoding="utf-8") as f:
            return {r["name"]: r for r in json.load(f)["results"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def first_difference(a, b, path="result"):
    """A short description of where two canonical results first differ, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: present in one only"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} entries: {short(a)} vs {short(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    if a == b:
        return None
    if isinstance(a, str) and isinstance(b, str) and path.endswith(".hex"):
        if len(a) != len(b):
            return f"{path}: {len(a) // 2} vs {len(b) // 2} bytes"
        # Float vectors are 4 bytes a value (8 hex digits); packed bits one byte at a time.
        width = 8 if len(a) % 8 == 0 else 2
        diffs = [i for i in range(0, len(a), width) if a[i:i + width] != b[i:i + width]]
        i = diffs[0]
        return (f"{path}: {len(diffs)} of {len(a) // width} units differ, first at unit {i // width}: "
                f"{a[i:i + width]} vs {b[i:i + width]}")
    return f"{path}: {short(a)} vs {short(b)}"


def short(value):
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def input_count(case):
    return (len(case.get("texts", [])) + len(case.get("images", [])) + len(case.get("patches", []))
            + len(case.get("pages", [])))


# What a late-interaction case's "expect" may name, and how to read it from a result.
_OP_EXPECTATIONS = {
    "collection": lambda r: r.get("collection"),
    "upserted": lambda r: r.get("upserted"),
    "deleted": lambda r: r.get("deleted"),
    "hit_count": lambda r: len(r.get("hits", [])),
    "hit_ids_sorted": lambda r: sorted(h["id"] for h in r.get("hits", [])),
    "score_count": lambda r: len(r.get("scores", [])),
    "document_ids": lambda r: [d["id"] for d in r.get("documents", [])],
    "collection_names": lambda r: [c["name"] for c in r.get("collections", [])],
}


def check_op_expectation(case, result):
    """Problems of one client's late-interaction result against the case's expectations."""
    expect = case.get("expect", {})
    want_status = expect.get("status", 0)
    if result["status"] != want_status:
        return [f"status {result['status']}, expected {want_status}"]
    problems = []
    for key, want in expect.items():
        if key in ("status", "scores_of_hits"):  # scores_of_hits: check_related
            continue
        got = _OP_EXPECTATIONS[key](result)
        if got != want:
            problems.append(f"{key} {short(got)}, expected {short(want)}")
    hits = result.get("hits", [])
    scores = [struct.unpack("<f", bytes.fromhex(h["score"]))[0] for h in hits]
    if any(a < b for a, b in zip(scores, scores[1:])):
        problems.append(f"hits are not best first: {scores}")
    return problems


def check_expectation(case, result):
    """Problems of one client's result against the case's expectations."""
    if "op" in case:
        return check_op_expectation(case, result)
    expect = case.get("expect", {})
    problems = []
    want_status = expect.get("status", 0)
    if result["status"] != want_status:
        return [f"status {result['status']}, expected {want_status}"]
    if want_status != 0:
        return problems
    want_errors = expect.get("input_errors", [])
    if result["input_errors"] != want_errors:
        problems.append(f"input errors {result['input_errors']}, expected {want_errors}")
    embeddings = result["embeddings"]
    if len(embeddings) != input_count(case):
        return problems + [f"{len(embeddings)} embeddings for {input_count(case)} inputs"]
    failed = {index for index, _ in result["input_errors"]}
    output = case.get("output", "pooled")
    for i, e in enumerate(embeddings):
        has = (e["pooled"] is not None, e["multi_vector"] is not None)
        want = (False, False) if i in failed else (output != "multi_vector", output != "pooled")
        if has != want:
            problems.append(f"input {i}: has (pooled, multi_vector) = {has}, expected {want}")
    if "dimension" in expect:
        got = sorted({e["pooled"]["dimension"] for e in embeddings if e["pooled"] is not None})
        if got != [expect["dimension"]]:
            problems.append(f"pooled dimensions {got}, expected {expect['dimension']}")
    if "truncated" in expect:
        got = [e["truncated"] for e in embeddings]
        if got != expect["truncated"]:
            problems.append(f"truncated {got}, expected {expect['truncated']}")
    return problems


def check_related(case, result, others):
    """Problems of one client's result against its other cases: the vectors of "same_vectors_as"
    must be identical (such as a named prompt and the same text as an instruction), those of
    "different_vectors_from" not (so a prompt that is silently ignored is caught)."""
    expect = case.get("expect", {})
    problems = []
    if "op" in case:
        return check_scores_of_hits(expect.get("scores_of_hits"), result, others)
    same, different = expect.get("same_vectors_as"), expect.get("different_vectors_from")
    if same is not None:
        if same not in others:
            problems.append(f"no result for case {same} to compare with")
        else:
            found = first_difference(others[same]["embeddings"], result["embeddings"], "embeddings")
            if found:
                problems.append(f"vectors differ from case {same}: {found}")
    if different is not None:
        if different not in others:
            problems.append(f"no result for case {different} to compare with")
        elif others[different]["embeddings"] == result["embeddings"]:
            problems.append(f"vectors are those of case {different}, expected them to differ")
    return problems


def check_scores_of_hits(spec, result, others):
    """A Score of stored ids must give each one, bit for bit, the score Search reported for it:
    spec {"case": a search case, "ids": per score, the hit id it must equal, or null}."""
    if spec is None or result.get("status") != 0:
        return []
    search = others.get(spec["case"])
    if search is None or search.get("status") != 0:
        return [f"no successful result for case {spec['case']} to compare with"]
    by_id = {hit["id"]: hit["score"] for hit in search.get("hits", [])}
    problems = []
    for index, (hit_id, score) in enumerate(zip(spec["ids"], result.get("scores", []))):
        if hit_id is None:
            continue
        if hit_id not in by_id:
            problems.append(f"score {index}: no hit {hit_id!r} in case {spec['case']}")
        elif by_id[hit_id] != score:
            problems.append(f"score {index} is {score}, but Search scored {hit_id!r} {by_id[hit_id]}")
    return problems


def main():
    cases_path, specs = sys.argv[1], sys.argv[2:]
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    clients = [spec.split("=", 1)[0] for spec in specs]
    outputs = {spec.split("=", 1)[0]: load_results(spec.split("=", 1)[1]) for spec in specs}
    passed = failed = partial = 0
    ran = {client: 0 for client in clients}  # cases each client answered (not skipped)
    for case in cases:
        name = case["name"]
        problems = []
        results = {}
        skipped = []
        for client in clients:
            result = outputs[client].get(name)
            if result is None:
                problems.append(f"[{client}] no result (did its driver fail? see its log)")
                continue
            if "skipped" in result:  # a client that cannot make this call yet says so
                skipped.append(f"{client}: {result['skipped']}")
                continue
            results[client] = result
            ran[client] += 1
            problems += [f"[{client}] {p}" for p in check_expectation(case, result)]
            problems += [f"[{client}] {p}" for p in check_related(case, result, outputs[client])]
        # Identical across clients: group equal results, name the odd ones out.
        groups = {}
        for client, result in results.items():
            groups.setdefault(json.dumps(result, sort_keys=True), []).append(client)
        if len(groups) > 1:
            ranked = sorted(groups.values(), key=len, reverse=True)
            reference = ranked[0][0]
            for group in ranked[1:]:
                for client in group:
                    found = first_difference(results[reference], results[client])
                    problems.append(f"[{client} vs {'+'.join(ranked[0])}] {found}")
        if not results and skipped:
            problems.append("every client skipped it")
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for problem in problems:
                print(f"       {problem}")
        else:
            passed += 1
            print(f"ok   {name}" + (f"   (skipped by {'; '.join(skipped)})" if skipped else ""))
            partial += bool(skipped)
    print("answered per client: " + ", ".join(f"{client} {count}/{len(cases)}" for client, count in ran.items()))
    print(f"{passed} passed, {failed} failed" + (f" ({partial} of the passed skipped by some client)" if partial else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
