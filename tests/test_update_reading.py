"""What ``--update`` reads of its sources and of the last build: large files hashed by
worker processes, and the suggestion state carried over without parsing it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search.ingest import fingerprints, sources
from search.ingest.fingerprints import fingerprint
from search.ingest.sources import read_sources
from search.lexicon.suggestions import (
    DOCUMENTS_FILE,
    FILE_NAME,
    HEADLINE,
    KEYED,
    PLACE,
    SuggestionCounter,
    keyed,
    load,
    read_entries,
)


def _record(number: int, words: int = 40) -> str:
    return json.dumps(
        {
            "id": f"a{number}",
            "title": f"Tin số {number}",
            "text": f"Công đoàn huyện Chương Mỹ, bài {number}. " * words,
        },
        ensure_ascii=False,
    )


def _export_and_known(path: Path) -> dict[str, str]:
    """An export with every kind of line an update meets, and the fingerprints of the
    version the index holds (the same lines, before some changed)."""
    held = [_record(n) for n in range(300)]
    known = {f"a{n}": fingerprint(line.encode()) for n, line in enumerate(held)}
    lines = list(held)
    lines[5] = _record(5, words=41)  # changed
    lines[77] = ""  # blank
    lines[120] = json.dumps({"id": "huge", "title": "x", "text": "y" * (fingerprints.MAX_ARTICLE_BYTES + 10)})
    lines[150] = '{"id": "broken", '  # bad JSON
    lines[200] = _record(3)  # the same id again
    lines += [_record(n) for n in range(300, 320)]  # new, the last without a newline
    path.write_text("\n".join(lines), encoding="utf-8")
    return known


def test_an_update_reads_a_large_file_in_workers_as_it_reads_it_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "export.jsonl"
    known = _export_and_known(export)
    alone = list(read_sources([export], known, defer=True))
    ranges: list[int] = []
    hashed_in_workers = sources.fingerprinted_in_workers

    def counted(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        ranges.append(len(fingerprints._chunks(args[1], export.stat().st_size)))  # type: ignore[arg-type]
        return hashed_in_workers(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fingerprints, "IN_WORKERS_FROM", 1)
    monkeypatch.setattr(fingerprints, "CHUNK_BYTES", 7_000)  # ranges end in the middle of lines
    monkeypatch.setattr(sources, "fingerprinted_in_workers", counted)
    reader = read_sources([export], known, defer=True)
    reader.total()
    in_workers = list(reader)
    assert ranges and ranges[0] > 50
    assert in_workers == alone
    assert reader.position.bytes == export.stat().st_size
    kinds = [type(item).__name__ for item in alone]
    assert kinds.count("Unchanged") == 295 and kinds.count("Unparsed") == 21  # a5 and the 20 new
    assert [(p.line, p.reason[:9]) for p in alone if isinstance(p, sources.Problem)] == [
        (121, "too large"),
        (151, "bad JSON "),
        (201, "duplicate"),
    ]


def test_an_update_of_a_small_file_hashes_it_as_it_reads_it(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_text(_record(1) + "\n", encoding="utf-8")
    with export.open("rb") as file:
        assert not fingerprints.in_workers(file, gzipped=False)
    assert fingerprints.IN_WORKERS_FROM >= 2**20


def _counter(documents: list[tuple[str, str, tuple[str, ...]]]) -> SuggestionCounter:
    counter = SuggestionCounter()
    for doc_id, title, districts in documents:
        counter.add(doc_id, title, districts, ["Liên_đoàn"] * 3)
    return counter


def _places_and_headlines(counter: SuggestionCounter) -> list[tuple[str, int, str]]:
    return [entry for entry in counter.entries({}) if entry[0] in (PLACE, HEADLINE)]


FIRST = [
    ("a", "Tin  Chương Mỹ", ("Chương Mỹ", "Hà Nội")),
    ("b", "Tin Sóc Sơn", ("Sóc Sơn", "Hà Nội")),
    ("c", "Tin khác", ()),
]


def _saved_and_loaded(folder: Path, held: list[str] | None) -> SuggestionCounter:
    """FIRST's state, saved and read back by an update (told the ids it holds, or not)."""
    _counter(FIRST).save(folder, {})
    return SuggestionCounter.load(folder, held)


@pytest.mark.parametrize("held", [None, ["a", "b", "c"]])
def test_an_update_that_only_adds_writes_what_a_rebuild_writes(
    tmp_path: Path, held: list[str] | None
) -> None:
    updated = _saved_and_loaded(tmp_path, held)
    updated.add("d", "Tin Ba Vì", ("Ba Vì", "Hà Nội"), ["Liên_đoàn"] * 3)
    rebuilt = _counter([*FIRST, ("d", "Tin Ba Vì", ("Ba Vì", "Hà Nội"))])
    (tmp_path / "u").mkdir()
    (tmp_path / "r").mkdir()
    updated.save(tmp_path / "u", {})
    rebuilt.save(tmp_path / "r", {})
    for name in (DOCUMENTS_FILE, FILE_NAME):
        assert (tmp_path / "u" / name).read_bytes() == (tmp_path / "r" / name).read_bytes()
    assert (PLACE, 3, "Hà Nội") in updated.entries({})


@pytest.mark.parametrize("held", [None, ["a", "b", "c"]])
def test_an_update_forgets_what_replaced_and_deleted_documents_said(
    tmp_path: Path, held: list[str] | None
) -> None:
    updated = _saved_and_loaded(tmp_path, held)
    updated.add("b", "Tin Sóc Sơn mới", ("Sóc Sơn",), [])  # changed: no longer in Hà Nội
    updated.forget(["c"])
    (tmp_path / "u").mkdir()
    updated.save(tmp_path / "u", {})
    expected = _counter([FIRST[0], ("b", "Tin Sóc Sơn mới", ("Sóc Sơn",))])
    assert sorted(_places_and_headlines(updated)) == sorted(_places_and_headlines(expected))
    assert (PLACE, 1, "Hà Nội") in updated.entries({})
    again = SuggestionCounter.load(tmp_path / "u")
    assert sorted(_places_and_headlines(again)) == sorted(_places_and_headlines(expected))
    lines = (tmp_path / "u" / DOCUMENTS_FILE).read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == ["a\tTin Chương Mỹ\tChương Mỹ\x1fHà Nội", "b\tTin Sóc Sơn mới\tSóc Sơn"]


def test_a_document_line_another_writer_left_is_forgotten_all_the_same(tmp_path: Path) -> None:
    """Lines with missing or extra fields, or empty districts: forgetting the document
    takes back its headline and each of its places once."""
    _counter(FIRST).save(tmp_path, {})
    with (tmp_path / DOCUMENTS_FILE).open("a", encoding="utf-8") as stream:
        stream.write("e\n" + "d\tTin\tChương Mỹ\x1f\x1fHà Nội\textra\n")
    entries = (tmp_path / FILE_NAME).read_text(encoding="utf-8")
    entries = entries.replace(f"{PLACE}\t1\tChương Mỹ\t", f"{PLACE}\t2\tChương Mỹ\t")
    entries = entries.replace(f"{PLACE}\t2\tHà Nội\t", f"{PLACE}\t3\tHà Nội\t")
    entries = entries.replace(
        f"{HEADLINE}\t1\tTin khác\t", f"{HEADLINE}\t1\tTin\ttin\n{HEADLINE}\t1\tTin khác\t"
    )
    (tmp_path / FILE_NAME).write_text(entries, encoding="utf-8")
    updated = SuggestionCounter.load(tmp_path)
    updated.forget(["d", "e"])
    assert sorted(_places_and_headlines(updated)) == sorted(_places_and_headlines(_counter(FIRST)))


def _without_keys(folder: Path) -> None:
    """FILE_NAME as builds wrote it before it held keys (and a blank line at the end, as
    an editor might leave)."""
    lines = (folder / FILE_NAME).read_text(encoding="utf-8").splitlines()
    assert lines[0] + "\n" == KEYED
    (folder / FILE_NAME).write_text(
        "".join(line.rsplit("\t", 1)[0] + "\n" for line in lines[1:]) + "\n", encoding="utf-8"
    )


ABBREVIATIONS = {"LĐLĐ": ("Liên đoàn Lao động", 2)}


def test_the_keys_a_build_stores_are_those_a_server_would_compute(tmp_path: Path) -> None:
    counter = _counter([*FIRST, ("d", "Đoàn  THANH niên", ("Ba Vì",))])
    counter.save(tmp_path, ABBREVIATIONS)
    stored = read_entries(tmp_path)
    assert stored == list(keyed(counter.entries(ABBREVIATIONS)))
    assert ("headline", 1, "Đoàn THANH niên", "doan thanh nien") in stored
    (tmp_path / "old").mkdir()
    counter.save(tmp_path / "old", ABBREVIATIONS)
    _without_keys(tmp_path / "old")
    assert read_entries(tmp_path / "old") == stored
    typed = ["c", "ch", "chuong", "doan t", "ld", "lien doan", "tin"]
    assert [load(tmp_path / "old").complete(t, 5) for t in typed] == [
        load(tmp_path).complete(t, 5) for t in typed
    ]


def test_an_update_of_a_generation_without_keys_writes_them(tmp_path: Path) -> None:
    for name in ("keyed", "old"):
        (tmp_path / name).mkdir()
        _counter(FIRST).save(tmp_path / name, ABBREVIATIONS)
    _without_keys(tmp_path / "old")
    for name in ("keyed", "old"):
        updated = SuggestionCounter.load(tmp_path / name)
        updated.add("d", "Tin Ba Vì", ("Ba Vì",), [])
        updated.forget(["b"])
        (tmp_path / name / "next").mkdir()
        updated.save(tmp_path / name / "next", ABBREVIATIONS)
    written = [(tmp_path / name / "next" / FILE_NAME).read_bytes() for name in ("keyed", "old")]
    assert written[0] == written[1]
    assert written[0].startswith(KEYED.encode()) and "Tin Ba Vì\ttin ba vi\n".encode() in written[0]
