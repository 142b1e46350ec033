"""The baseline of the scale benchmark: Whoosh as a newcomer would use it.

One schema with Whoosh's ``StandardAnalyzer`` on headline and text, the default query
parser (any word may match, so long questions find something), the default highlighter
and Whoosh's own facet counting (``groupedby``) on the same district and year our ingest
finds. Run as ``python -m search.tools.plainwhoosh build SOURCE... --index DIR`` and
``python -m search.tools.plainwhoosh serve --index DIR --port N``; the server answers
``/healthz`` and ``/api/search?q=`` in JSON, like ours.
"""

from __future__ import annotations

import html
import time
from itertools import islice
from pathlib import Path
from typing import Any

import click
from flask import Flask, jsonify, request
from waitress import create_server
from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup

from search.ingest.article import Article
from search.ingest.sources import read_sources

FACETS = ("district", "year")
PAGE = 10


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=StandardAnalyzer(), stored=True),
        body=TEXT(analyzer=StandardAnalyzer(), stored=True),
        district=KEYWORD(stored=True, commas=True),
        year=KEYWORD(stored=True),
    )


def build(sources: list[Path], index_dir: Path, memory_mb: int = 256) -> int:
    """Index the articles of ``sources`` into a new Whoosh index in ``index_dir``."""
    index_dir.mkdir(parents=True, exist_ok=True)
    index = whoosh_index.create_in(str(index_dir), build_schema())
    writer = index.writer(limitmb=memory_mb)
    count = 0
    for item in read_sources(sources):
        if isinstance(item, Article):
            writer.add_document(
                id=item.id,
                title=item.title,
                body=item.body,
                district=",".join(item.districts),
                year=str(item.year or ""),
            )
            count += 1
    writer.commit()
    return count


def create_app(index_dir: Path) -> Flask:
    index = whoosh_index.open_dir(str(index_dir))
    parser = MultifieldParser(["title", "body"], index.schema, group=OrGroup)
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok", documents=index.doc_count())

    @app.get("/api/search")
    def search() -> Any:
        started = time.perf_counter()
        with index.searcher() as searcher:
            results = searcher.search(parser.parse(request.args.get("q", "")), limit=PAGE, groupedby=FACETS)
            hits = [
                {"id": hit["id"], "title": html.escape(hit["title"]), "snippet": hit.highlights("body")}
                for hit in islice(results, PAGE)  # with groupedby, Whoosh keeps every hit
            ]
            facets = {name: {str(k): len(v) for k, v in results.groups(name).items()} for name in FACETS}
            return jsonify(
                total=len(results),
                hits=hits,
                facets=facets,
                took_ms=(time.perf_counter() - started) * 1000,
            )

    return app


@click.group()
def main() -> None:
    """Plain Whoosh, for side-by-side benchmarks."""


@main.command("build")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--index", "index_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
def build_command(sources: tuple[Path, ...], index_dir: Path) -> None:
    click.echo(f"indexed {build(list(sources), index_dir)} documents")


@main.command("serve")
@click.option("--index", "index_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--port", type=int, default=0)
def serve_command(index_dir: Path, port: int) -> None:
    server = create_server(create_app(index_dir), host="127.0.0.1", port=port, threads=4)
    print(f"Serving on http://127.0.0.1:{server.effective_port}/", flush=True)
    server.run()


if __name__ == "__main__":
    main()
