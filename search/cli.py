"""The ``vnsearch`` command: index, search, serve, eval, bench."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from search.config import INDEX_DIR_VARIABLE, default_index_dir, default_sources
from search.errors import NoIndex, RebuildRunning
from search.extras import require
from search.results import DEFAULT_FACET_SIZE, SORTS, BadRequest, SearchRequest

if TYPE_CHECKING:
    from search.ingest.sources import SourceReader

EXIT_SKIPPED = 3  # the index was built, but some input was skipped
EXIT_STOPPED = 130  # a rebuild stopped by Ctrl-C or SIGTERM (nothing changed)
MAX_PROBLEMS_SHOWN = 20


def index_option(command: Any) -> Any:
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help=f"Index folder (default: ${INDEX_DIR_VARIABLE} or index/).",
    )(command)


def queries_option(command: Any) -> Any:
    """``--queries FILE`` of the timing commands (bench, load)."""
    return click.option(
        "--queries",
        "queries_path",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        help="BEIR queries.jsonl or a text file, one query a line (default: built-in seed queries).",
    )(command)


def _index_dir(value: Path | None) -> Path:
    return value if value is not None else default_index_dir()


class _Main(click.Group):
    """Reports an unreachable or misconfigured search backend, or a missing extra, in one
    line, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from search.errors import BackendUnavailable, MissingExtra

        try:
            return super().invoke(ctx)
        except (BackendUnavailable, MissingExtra) as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Vietnamese-aware full-text search: build an index, search it, serve it."""


MB = 10**6
BYTES_BAR = (
    "{desc} {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f}{unit} "
    "[{elapsed}<{remaining}, {rate_noinv_fmt}{postfix}]"
)


def _progress(items: Iterable[Any]) -> Iterable[Any]:
    """A bar on stderr: the bytes of the sources read out of their total (so a time
    left), and the documents so far; only the count when no source can be sized."""
    from tqdm import tqdm

    from search.ingest.sources import SourceReader

    total = items.total() if isinstance(items, SourceReader) else None
    if isinstance(items, SourceReader) and total:
        return _bytes_bar(items, total)
    return tqdm(items, unit=" docs", desc="Indexing", file=sys.stderr, mininterval=0.5)


def _bytes_bar(reader: SourceReader, total: int) -> Iterator[Any]:
    """The reader's items, moving a bar of MB read on ``total`` bytes."""
    from tqdm import tqdm

    with tqdm(
        total=total,
        unit=" MB",
        unit_scale=1 / MB,
        desc="Indexing",
        bar_format=BYTES_BAR,
        file=sys.stderr,
        mininterval=0.5,
    ) as bar:
        for count, item in enumerate(reader, start=1):
            bar.set_postfix_str(f"{count:,} docs", refresh=False)
            bar.update(min(reader.position.bytes, total) - bar.n)
            yield item
        bar.update(min(reader.position.bytes, total) - bar.n)


@contextlib.contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM stops a rebuild as Ctrl-C does (an exception, so that it drops what it
    half built and its lock), not by killing the process where it stands."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def rebuild(sources: list[Path], index_dir: Path, show_progress: bool = True, update: bool = False) -> int:
    """Rebuild (or update) and print a summary; the exit code says what happened."""
    from search.engine import rebuild as rebuild_index
    from search.errors import BackendUnavailable
    from search.indexing import no_progress

    try:
        with _stopped_by_sigterm():
            report = rebuild_index(sources, index_dir, _progress if show_progress else no_progress, update)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the builder cleaned up on its way out
        click.echo(
            "Stopped: the half-built index was removed; the previous index, if any, is unchanged.", err=True
        )
        return EXIT_STOPPED
    except (RebuildRunning, BackendUnavailable) as error:
        click.echo(f"Error: {error}", err=True)
        return 1
    except OSError as error:  # a full disk, a read-only folder: the half-built generation is gone
        reason = error.strerror or str(error)
        click.echo(
            f"Error: could not write the index in {index_dir}: {reason}; "
            "the previous index, if any, is unchanged and keeps serving.",
            err=True,
        )
        return 1
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        click.echo(f"skipped {problem}", err=True)
    if report.skipped > MAX_PROBLEMS_SHOWN:
        click.echo(f"... and {report.skipped - MAX_PROBLEMS_SHOWN} more skipped", err=True)
    if report.generation is None:
        click.echo(
            f"Nothing indexed ({report.skipped} skipped); the previous index, if any, is unchanged.",
            err=True,
        )
        return 1
    changes = f"{report.unchanged} unchanged, {report.deleted} deleted, " if update else ""
    if report.collisions:
        click.echo(f"{report.collisions} terms shared a hash key with another and were kept apart", err=True)
    click.echo(
        f"Indexed {report.indexed} documents, {changes}skipped {report.skipped}, "
        f"{report.abbreviations} abbreviations learned, in {report.seconds:.1f} s "
        f"-> {report.generation}"
    )
    return EXIT_SKIPPED if report.skipped else 0


@main.command("index")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option(
    "--update",
    is_flag=True,
    help="Index only new and changed articles and delete those the sources no longer have, "
    "instead of rebuilding everything.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def index_command(sources: tuple[Path, ...], index_dir: Path | None, update: bool, quiet: bool) -> None:
    """Rebuild the index from SOURCES (folders of .txt pages, .jsonl or .jsonl.gz files;
    default: seeds/). Readers keep the old index until the new one is complete.

    Exit status: 0 all indexed, 3 built but some input skipped, 1 nothing built, 130
    stopped (Ctrl-C or SIGTERM; nothing changed)."""
    sys.exit(rebuild(list(sources) or default_sources(), _index_dir(index_dir), not quiet, update))


def _print_readable(data: dict[str, Any]) -> None:
    import html
    import re

    def plain(snippet: str) -> str:
        return html.unescape(re.sub(r"</?mark>", "*", snippet))

    first = (data["page"] - 1) * data["per_page"] + 1
    click.echo(f"{data['total']} results for {data['query']!r} ({data['took_ms']:.0f} ms)")
    for number, hit in enumerate(data["hits"], start=first):
        where = ", ".join(hit["district"]) or "-"
        click.echo(f"\n{number}. {hit['title']}  [{hit['id']}]")
        when = hit["date"] or (f"{hit['year']} (inferred)" if hit["year"] else "undated")
        click.echo(f"   {where} · {when} · score {hit['score']}")
        click.echo(f"   {plain(hit['snippet'])}")
    for name, buckets in data["facets"].items():
        if buckets:
            values = "; ".join(f"{b['value']} ({b['count']})" for b in buckets)
            hidden = data["facet_values"].get(name, 0) - sum(1 for b in buckets if b["count"])
            more = f"; ... {hidden} more (--facet-size)" if hidden > 0 else ""
            click.echo(f"\n{name}: {values}{more}")


@main.command("check")
@index_option
def check_command(index_dir: Path | None) -> None:
    """Verify the index: the generation CURRENT names, each of its files' size and
    checksum against what its build wrote. Exit status 0 when whole, 1 otherwise."""
    from search.engine import check

    folder = _index_dir(index_dir)
    problems = check(folder)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo("Rebuild it with: vnsearch index (the previous sources)", err=True)
        sys.exit(1)
    click.echo(f"{folder}: the index is whole")


@main.command("search")
@click.argument("query")
@click.option("--district", "districts", multiple=True, help="Only this district (repeatable).")
@click.option("--year", "years", multiple=True, type=int, help="Only this year (repeatable).")
@click.option("--limit", default=10, show_default=True, type=int, help="Results per page.")
@click.option("--page", default=1, show_default=True, type=int)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option(
    "--facet-size",
    default=DEFAULT_FACET_SIZE,
    show_default=True,
    type=int,
    help="Values shown per facet: the most frequent, and the selected ones.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of /api/search.")
@index_option
def search_command(
    query: str,
    districts: tuple[str, ...],
    years: tuple[int, ...],
    limit: int,
    page: int,
    sort: str,
    facet_size: int,
    as_json: bool,
    index_dir: Path | None,
) -> None:
    """Search the index for QUERY: words, "phrases", -exclusions; accents optional."""
    from search.engine import open_engine

    try:
        request = SearchRequest(query, districts, years, page, limit, sort, facet_size)  # type: ignore[arg-type]
        data = open_engine(_index_dir(index_dir)).search(request).to_json()
    except (BadRequest, NoIndex) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2 if isinstance(error, BadRequest) else 1)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_readable(data)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes sharing the port; one per core answers the most searches "
    "(each holds its own caches).",
)
@index_option
def serve_command(host: str, port: int, workers: int, index_dir: Path | None) -> None:
    """Serve the search site and JSON API (builds the index from seeds/ if none exists)."""
    from search.engine import open_engine

    folder = _index_dir(index_dir)
    outdated = _outdated_sources(folder)
    if not open_engine(folder).exists() or outdated == [str(s) for s in default_sources()]:
        reason = "an index of an older version" if outdated else "no index"
        click.echo(f"{reason.capitalize()} in {folder}: building it from {default_sources()[0]} first.")
        code = rebuild(default_sources(), folder)
        if code not in (0, EXIT_SKIPPED):
            sys.exit(code)
    elif outdated is not None:
        click.echo(
            f"Error: the index in {folder} was built by an older version of vnsearch; rebuild it "
            f"with: vnsearch index {' '.join(outdated)} --index {folder}",
            err=True,
        )
        sys.exit(1)
    from webui.server import serve

    serve(folder, host=host, port=port, workers=workers)


def _outdated_sources(folder: Path) -> list[str] | None:
    """The sources of the current generation when a Whoosh index of another schema
    version holds it (this version cannot read it), else None."""
    from search.backends.local import schema
    from search.backends.local.storage import current_generation, read_meta
    from search.engine import backend_name

    generation = current_generation(folder)
    if backend_name() != "whoosh" or generation is None:
        return None
    return None if schema.readable(generation) else list(read_meta(generation).get("sources", []))


@main.command("eval")
@click.option(
    "--queries",
    "queries_path",
    required=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help='BEIR queries.jsonl: {"_id", "text"} a line.',
)
@click.option(
    "--qrels",
    "qrels_path",
    required=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="BEIR qrels.tsv: query-id, corpus-id, score.",
)
@click.option("--strip-diacritics", is_flag=True, help="Remove diacritics from every query first.")
@click.option("--no-baselines", is_flag=True, help="Only our engine, not the BM25 baselines.")
@click.option("--limit", type=int, default=None, help="Use only the first N queries.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the figures as JSON to this file ('-' for standard output).",
)
@index_option
def eval_command(
    queries_path: Path,
    qrels_path: Path,
    strip_diacritics: bool,
    no_baselines: bool,
    limit: int | None,
    json_path: Path | None,
    index_dir: Path | None,
) -> None:
    """Ranking quality of the index on BEIR files (index the corpus first): nDCG@10,
    MRR@10, Recall@100 and latency, beside plain BM25 baselines on the same documents."""
    require("bench")
    from search.engine import open_engine
    from search.tools import evaluation

    folder = _index_dir(index_dir)
    engine = open_engine(folder)
    if not engine.exists():
        click.echo(f"Error: no index in {folder}; build one with: vnsearch index CORPUS", err=True)
        sys.exit(1)
    queries = evaluation.read_queries(queries_path)
    if limit:
        queries = dict(list(queries.items())[:limit])
    qrels = evaluation.read_qrels(qrels_path)
    results = evaluation.evaluate(engine, queries, qrels, strip_diacritics, baselines=not no_baselines)
    setting = "diacritics stripped" if strip_diacritics else "queries as written"
    click.echo(f"{len(queries)} queries, {setting}, index {folder}")
    click.echo(evaluation.table(results))
    if json_path is not None:
        data = json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2)
        if str(json_path) == "-":
            click.echo(data)
        else:
            json_path.write_text(data + "\n", encoding="utf-8")


@main.command("load")
@click.option("--url", default="http://127.0.0.1:5000/", show_default=True, help="A running vnsearch serve.")
@queries_option
@click.option("--requests", "count", default=2000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--clients", default=16, show_default=True, type=click.IntRange(1, 256))
@click.option(
    "--pid", type=int, default=None, help="The server's process id, to report its memory and CPU a request."
)
@click.option(
    "--endpoint",
    type=click.Choice(["search", "suggest"]),
    default="search",
    show_default=True,
    help="suggest: ask /api/suggest for the first words of each query, the last one half typed.",
)
def load_command(
    url: str, queries_path: Path | None, count: int, clients: int, pid: int | None, endpoint: str
) -> None:
    """A bounded load test of /api/search on a loopback server: requests/s, latency
    percentiles, errors (and the server's memory and CPU a request with --pid). Stops by
    itself."""
    require("bench")
    from search.tools import bench, loadtest

    try:
        report = loadtest.run(url, bench.read_queries(queries_path, None), count, clients, pid, endpoint)
    except ValueError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo(str(report))
    sys.exit(1 if report.errors else 0)


def _sizes(_context: Any, _parameter: Any, value: str | None) -> list[int]:
    if not value:
        return []
    try:
        sizes = [int(part) for part in value.split(",")]
    except ValueError:
        raise click.BadParameter("sizes are whole numbers separated by commas, e.g. 10000,50000") from None
    if any(size < 1 for size in sizes):
        raise click.BadParameter("sizes must be 1 or more")
    return sizes


@main.command("bench")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@queries_option
@click.option("--limit", type=int, default=None, help="Use only the first N queries.")
@click.option("--repeat", type=int, default=20, show_default=True, help="Times to run the query set.")
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Build the benchmark index here and keep it (default: a temporary folder).",
)
@click.option(
    "--sizes",
    callback=_sizes,
    help="Scale run: for each size (e.g. 10000,50000,185000), index the first N articles of "
    "the JSONL SOURCES with vnsearch and with plain Whoosh, serve each and time the queries "
    "through its JSON API.",
)
@click.option(
    "--work",
    "work_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("bench-work"),
    show_default=True,
    help="Scale run: where the indexes are built (kept for a look afterwards).",
)
@click.option(
    "--engine",
    "engines",
    multiple=True,
    type=click.Choice(["vnsearch", "plain-whoosh"]),
    help="Scale run: only these engines (default: both).",
)
@click.option(
    "--json-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Scale run: append each result as a JSON line to this file.",
)
def bench_command(
    sources: tuple[Path, ...],
    queries_path: Path | None,
    limit: int | None,
    repeat: int,
    index_dir: Path | None,
    sizes: list[int],
    work_dir: Path,
    engines: tuple[str, ...],
    json_out: Path | None,
) -> None:
    """Time a full rebuild of SOURCES (default: seeds/) and searches with highlights and
    facets on it. Prints figures; never fails on speed. With --sizes, the scale run."""
    require("bench")
    from search.tools import bench

    queries = bench.read_queries(queries_path, limit)
    if sizes:
        _scale_run(list(sources), sizes, queries, work_dir, engines, json_out)
        return
    figures = bench.run(list(sources) or default_sources(), queries, repeat, index_dir)
    mib = figures["index_bytes"] / 2**20  # type: ignore[operator]
    click.echo(
        f"indexing: {figures['documents']} documents ({figures['skipped']} skipped) in "
        f"{figures['index_seconds']} s, {figures['docs_per_second']} docs/s, index {mib:.1f} MiB"
    )
    click.echo(f"search (ranking + highlighted snippets + facets): {figures['latency_ms']}")


def _scale_run(
    sources: list[Path],
    sizes: list[int],
    queries: list[str],
    work_dir: Path,
    engines: tuple[str, ...],
    json_out: Path | None,
) -> None:
    from search.tools import scalebench

    if not sources or any(not s.is_file() or ".jsonl" not in s.name for s in sources):
        raise click.UsageError("the scale run reads JSONL sources (.jsonl or .jsonl.gz files)")
    click.echo(f"{len(queries)} queries, one at a time, through each server's /api/search")
    runs = scalebench.run(sizes, sources, queries, work_dir, engines or scalebench.ENGINES, click.echo)
    for figures in runs:
        if json_out is not None:
            scalebench.append_json(json_out, figures)


if __name__ == "__main__":
    main()
