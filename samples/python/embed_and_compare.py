#!/usr/bin/env python3
"""Embeds texts (and images, if given) with a running MultiEmbed server and prints their cosine
similarities.

    pip install ./clients/python
    multiembed serve --model models/all-MiniLM-L6-v2 &
    python3 samples/python/embed_and_compare.py "a cat" "a kitten" "stock prices"
    python3 samples/python/embed_and_compare.py --image cat.png --image dog.jpg "a cat" "a dog"   # a CLIP model

Texts and images land in one space only with a model that takes both (CLIP); a text model
answers image inputs with an error for those inputs, which this sample reports.
"""

from __future__ import annotations

import argparse
import sys
from typing import List

import numpy as np

import multiembed


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="*", help="texts to embed")
    parser.add_argument("--image", action="append", default=[], help="a PNG/JPEG file (repeatable)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=multiembed.DEFAULT_PORT)
    parser.add_argument("--model", default=None, help="a model the server lists (default: its first)")
    parser.add_argument("--api-key", default=None)
    args = parser.parse_args(argv)
    texts = args.texts or ["A photo of a cat.", "A kitten sleeping on a sofa.", "Quarterly revenue grew 12%."]

    with multiembed.Client(args.host, args.port, api_key=args.api_key) as client:
        info = client.info()
        model = args.model or info.models[0].name
        print(f"server {info.version}, model {model}")
        result = client.embed_result(texts=texts, images=args.image or None, model=model, normalize=True)

    labels = [f"text: {t}" for t in texts] + [f"image: {p}" for p in args.image]
    for error in result.errors:
        print(f"  failed: {labels[error.index]}: {error.code.name}: {error.message}", file=sys.stderr)
    ok = [i for i in range(len(labels)) if i not in {e.index for e in result.errors}]
    vectors = result.pooled[ok]
    similarities = vectors @ vectors.T  # normalised vectors: dot product = cosine similarity
    print(f"{len(ok)} vectors of {result.dimension} values; cosine similarities:")
    width = max(len(labels[i]) for i in ok)
    for row, i in enumerate(ok):
        cells = " ".join(f"{s:6.3f}" for s in similarities[row])
        print(f"  {labels[i]:<{width}}  {cells}")
    if len(ok) > 1:
        masked = similarities - np.eye(len(ok)) * 2
        a, b = np.unravel_index(np.argmax(masked), masked.shape)
        print(f"closest pair: {labels[ok[a]]!r} ~ {labels[ok[b]]!r} ({similarities[a, b]:.3f})")
    return 0 if not result.errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
