"""Throughput of the Python client: embeds a file of texts (one per line) against a running
server in batches of BATCH and prints one line
    client=python texts=N batch=B seconds=S texts_per_s=R
Run by scripts/bench-clients with the venv that clients/python/run-tests makes."""
import sys
import time

from multiembed import Client

host, port, path, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
with open(path, encoding="utf-8") as f:
    texts = [line.rstrip("\n") for line in f]
with Client(host, port) as client:
    client.embed(texts=texts, batch_size=batch)  # warm-up
    start = time.perf_counter()
    vectors = client.embed(texts=texts, batch_size=batch)
    seconds = time.perf_counter() - start
assert vectors.shape[0] == len(texts)
print(f"client=python texts={len(texts)} batch={batch} seconds={seconds:.3f} texts_per_s={len(texts) / seconds:.1f}")
