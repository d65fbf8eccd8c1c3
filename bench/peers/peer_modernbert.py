#!/usr/bin/env python3
"""Peer throughput for a ModernBERT text embedder: sentence-transformers on PyTorch (CPU).

usage: peer_modernbert.py MODEL_DIR [N] [BATCH]
MODEL_DIR: a sentence-transformers folder (make-random-modernbert.py makes a base-sized one).
Texts: ../shared/bench/texts-1024.txt. Prints one line:
  peer=sentence-transformers texts=N batch=B seconds=S texts_per_s=T
"""
import os, sys, time
import torch
from sentence_transformers import SentenceTransformer

model_dir = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
corpus = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/bench/texts-1024.txt")
torch.set_num_threads(os.cpu_count())
m = SentenceTransformer(model_dir, device="cpu")
texts = [l.rstrip("\n") for l in open(corpus)][:n]
m.encode(texts[:64], batch_size=batch)  # warm-up
t0 = time.perf_counter()
m.encode(texts, batch_size=batch, normalize_embeddings=True)
dt = time.perf_counter() - t0
print(f"peer=sentence-transformers texts={n} batch={batch} seconds={dt:.3f} texts_per_s={n/dt:.1f}")
