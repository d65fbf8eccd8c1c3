#!/usr/bin/env python3
"""What the int8 kernel (Sources/CGemm/gemm_int8*.c) costs in fidelity on a real model.

Builds the int8 kernel as a shared library, runs a sentence-transformers BERT model (default
models/all-MiniLM-L6-v2) in float32 with PyTorch, and measures, with the very C kernel the
server would run:

  1. per Linear layer, on the real activations that reach it: the relative error
     ||int8(x) - float(x)|| / ||float(x)|| with the activations quantised per row symmetric
     and asymmetric (the choice gemm_int8.c argues);
  2. end to end, every Linear in int8: cosine of each text's embedding to float32's (min, 1st
     percentile, median), and the same with one kind of layer kept in float32 at a time, to
     show which layers are sensitive.

Usage (the peers' venv has torch and sentence-transformers):
  /root/.cache/multiembed-peers/bin/python scripts/int8-fidelity.py [MODEL_DIR] [TEXTS] [COUNT]
"""
import ctypes
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASYMMETRIC, SYMMETRIC = 0, 1
LEVEL = 2  # the widest kernel this CPU runs: all give the same bits


def build_kernel():
    out = os.path.join(tempfile.mkdtemp(prefix="int8-fidelity-"), "libint8.so")
    sources = [os.path.join(ROOT, "Sources/CGemm", f) for f in os.listdir(os.path.join(ROOT, "Sources/CGemm"))
               if f.startswith("gemm_int8") and f.endswith(".c")]
    subprocess.run(["clang", "-O2", "-shared", "-fPIC", "-I", os.path.join(ROOT, "Sources/CGemm/include"),
                    "-I", os.path.join(ROOT, "Sources/CCPU/include"), "-I", os.path.join(ROOT, "Sources/CGemm"),
                    *sources, os.path.join(ROOT, "Sources/CCPU/cpu_level.c"), "-lm", "-o", out], check=True)
    lib = ctypes.CDLL(out)
    lib.cgemm_int8_pack.restype = ctypes.c_void_p
    lib.cgemm_int8_pack.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_long]
    lib.cgemm_int8_multiply_quantizing.argtypes = [
        ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_long, ctypes.c_int,
        ctypes.c_int, ctypes.c_void_p, ctypes.c_long, ctypes.c_int, ctypes.c_void_p]
    lib.cgemm_int8_kernel_name_at_level.restype = ctypes.c_char_p
    return lib


class Int8Linear:
    """One nn.Linear's weight packed by the C kernel."""

    def __init__(self, lib, linear):
        self.lib = lib
        w = np.ascontiguousarray(linear.weight.detach().numpy().T, dtype=np.float32)  # [in, out]
        self.k, self.n = w.shape
        self.packed = lib.cgemm_int8_pack(self.k, self.n, w.ctypes.data, self.n)
        self.bias = None if linear.bias is None else np.ascontiguousarray(linear.bias.detach().numpy(), np.float32)

    def __call__(self, x, mode):
        a = np.ascontiguousarray(x.detach().numpy().reshape(-1, self.k), dtype=np.float32)
        c = np.empty((a.shape[0], self.n), np.float32)
        self.lib.cgemm_int8_multiply_quantizing(
            LEVEL, mode, self.packed, a.shape[0], a.ctypes.data, self.k, 0, self.n, c.ctypes.data, self.n, 0,
            None if self.bias is None else self.bias.ctypes.data)
        return torch.from_numpy(c).reshape(*x.shape[:-1], self.n)


def kind(name):
    """`encoder.layer.3.attention.self.query` -> `attention.self.query`."""
    parts = name.split(".")
    return ".".join(parts[3:]) if parts[:2] == ["encoder", "layer"] else name


def main():
    model_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "models/all-MiniLM-L6-v2")
    texts_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "../shared/bench/texts-1024.txt")
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
    texts = [line.rstrip("\n") for line in open(texts_path, encoding="utf-8")][:count]
    torch.set_num_threads(1)
    lib = build_kernel()
    print(f"kernel {lib.cgemm_int8_kernel_name_at_level(LEVEL).decode()}, {len(texts)} texts, {model_dir}")

    model = SentenceTransformer(model_dir, device="cpu")
    bert = model[0].auto_model
    linears = {name: module for name, module in bert.named_modules() if isinstance(module, torch.nn.Linear)}
    packed = {name: Int8Linear(lib, module) for name, module in linears.items()}
    originals = {name: module.forward for name, module in linears.items()}

    # 1. Per layer, on the float model's own activations.
    errors = {name: {ASYMMETRIC: [0.0, 0.0], SYMMETRIC: [0.0, 0.0]} for name in linears}

    def recorder(name):
        def forward(x):
            y = originals[name](x)
            for mode in (ASYMMETRIC, SYMMETRIC):
                q = packed[name](x, mode)
                errors[name][mode][0] += float(((q - y) ** 2).sum())
                errors[name][mode][1] += float((y ** 2).sum())
            return y
        return forward

    for name, module in linears.items():
        module.forward = recorder(name)
    with torch.no_grad():
        reference = model.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)
    print("\nper-layer relative error of int8 vs float32 (real activations): asymmetric rows / symmetric rows")
    by_kind = {}
    for name in linears:
        a = (errors[name][ASYMMETRIC][0] / errors[name][ASYMMETRIC][1]) ** 0.5
        s = (errors[name][SYMMETRIC][0] / errors[name][SYMMETRIC][1]) ** 0.5
        print(f"  {name:45s} {a:.4f} / {s:.4f}")
        by_kind.setdefault(kind(name), []).append((a, s))
    print("by kind (min-max over layers): asymmetric / symmetric")
    for k, values in by_kind.items():
        a = [v[0] for v in values]
        s = [v[1] for v in values]
        print(f"  {k:30s} {min(a):.4f}-{max(a):.4f} / {min(s):.4f}-{max(s):.4f}")

    # 2. End to end.
    def run(mode, keep_float=()):
        for name, module in linears.items():
            if kind(name) in keep_float:
                module.forward = originals[name]
            else:
                module.forward = (lambda name: lambda x: packed[name](x, mode))(name)
        with torch.no_grad():
            out = model.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)
        cos = np.sum(out * reference, axis=1)
        return f"min {cos.min():.5f}  p1 {np.percentile(cos, 1):.5f}  median {np.median(cos):.5f}"

    print("\nend to end: cosine of int8 to float32 embeddings")
    print(f"  every Linear int8, asymmetric rows: {run(ASYMMETRIC)}")
    print(f"  every Linear int8, symmetric rows:  {run(SYMMETRIC)}")
    for k in by_kind:
        print(f"  {k} kept float32: {run(ASYMMETRIC, (k,))}")


if __name__ == "__main__":
    main()
