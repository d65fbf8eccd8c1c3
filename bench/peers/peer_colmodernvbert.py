#!/usr/bin/env python3
"""Peer throughput for ColModernVBERT: colpali-engine's ColModernVBert and ColModernVBertProcessor
on PyTorch (CPU), pages or queries.

usage: peer_colmodernvbert.py MODEL_DIR pages PAGE_IMAGE [N]
       peer_colmodernvbert.py MODEL_DIR queries [N] [BATCH]
PEER_DTYPE=bfloat16 in the environment loads the model in bf16 (PyTorch's CPU bf16 kernels), to
compare with `--compute bf16`; the default is float32.
MODEL_DIR: a colpali-engine folder (make-random-colmodernvbert.py makes a real-sized one).
pages: N copies of one page image (decoded once; tiling, the model and the projection timed),
one page per forward pass, after one warm-up page. Compare with
  multiembed bench visual-pages --model MODEL_DIR --page PAGE_IMAGE --pages N
queries: the first N texts of ../shared/bench/texts-1024.txt through process_queries, BATCH
per forward pass, after a warm-up batch. Compare with
  multiembed bench visual-queries --model MODEL_DIR --texts texts-1024.txt --queries N --batch-size BATCH
Prints one line:
  peer=colpali-engine pages=N tokens=T seconds=S pages_per_s=P
  peer=colpali-engine queries=N batch=B seconds=S queries_per_s=Q
"""
import os, sys, time
import torch
from PIL import Image
from colpali_engine.models import ColModernVBert, ColModernVBertProcessor

model_dir, mode = sys.argv[1], sys.argv[2]
torch.set_num_threads(os.cpu_count())
dtype = getattr(torch, os.environ.get("PEER_DTYPE", "float32"))
model = ColModernVBert.from_pretrained(model_dir, torch_dtype=dtype).eval()
processor = ColModernVBertProcessor.from_pretrained(model_dir)


def encode(inputs):
    with torch.inference_mode():
        return model(**inputs)


if mode == "pages":
    page = Image.open(sys.argv[3]).convert("RGB")
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    tokens = encode(processor.process_images([page])).shape[1]  # warm-up
    t0 = time.perf_counter()
    for _ in range(n):
        encode(processor.process_images([page]))
    dt = time.perf_counter() - t0
    print(f"peer=colpali-engine pages={n} tokens={tokens} seconds={dt:.3f} pages_per_s={n/dt:.3f} dtype={dtype}")
elif mode == "queries":
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 32
    corpus = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/bench/texts-1024.txt")
    texts = [l.rstrip("\n") for l in open(corpus)][:n]
    encode(processor.process_queries(texts[:batch]))  # warm-up
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        encode(processor.process_queries(texts[start:start + batch]))
    dt = time.perf_counter() - t0
    print(f"peer=colpali-engine queries={n} batch={batch} seconds={dt:.3f} queries_per_s={n/dt:.1f} dtype={dtype}")
else:
    sys.exit(f"unknown mode {mode}: pages or queries")
