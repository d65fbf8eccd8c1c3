"""Visual document retrieval with the Python client: index page images into a collection of a
running `multiembed serve`, then search them with text, ColPali style (one vector per image
patch and per query token, scored by late interaction, MaxSim).

usage: python search_pages.py --port PORT [--host HOST] [--precision P] --pages IMAGE... -- QUERY...

run.sh starts the server and calls this; on your own server, point --port at it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List

import multiembed


def index_pages(client: multiembed.Client, collection: str, pages: List[Path], precision: str) -> None:
    """Creates the collection (replacing one of the same name) and upserts every page image."""
    if collection in {c.name for c in client.list_collections()}:
        client.drop_collection(collection)
    info = client.create_collection(collection, precision=precision)
    print(f"== collection {info.name!r}: model {info.model}, {info.dimension} values per vector, "
          f"{info.precision.value} storage")
    result = client.upsert(collection, ids=[page.stem for page in pages], documents=pages,
                           metadata=[{"file": page.name} for page in pages])
    print(f"== indexed {result.upserted} page images ({result.usage.patches} patches embedded)")


def search(client: multiembed.Client, collection: str, query: str, top_k: int) -> None:
    """Prints the best pages for a text query: rank, MaxSim score, id and file."""
    print(f"== search: {query}")
    for rank, hit in enumerate(client.search(collection, query, top_k=top_k), start=1):
        print(f"{rank:>4}  {hit.score:9.4f}  {hit.id:<20} {hit.metadata.get('file', '')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=multiembed.DEFAULT_PORT)
    parser.add_argument("--collection", default="pages")
    parser.add_argument("--precision", default="float16", choices=["float32", "float16", "int8", "binary"])
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--pages", type=Path, nargs="+", required=True, help="PNG or JPEG page images")
    parser.add_argument("queries", nargs="+", help="text queries")
    args = parser.parse_args()
    with multiembed.Client(args.host, args.port) as client:
        index_pages(client, args.collection, args.pages, args.precision)
        for query in args.queries:
            search(client, args.collection, query, args.top_k)


if __name__ == "__main__":
    main()
