"""Known-item search sets from a general news corpus: a second, held-out evaluation domain.

    python -m search.tools.knownitem SOURCE.jsonl[.gz] --out DIR [--articles 500] [--seed 0]
        [--skip-ids FILE ...]

A known-item search is a reader looking for one article they have already read: they
type its headline from memory, or a phrase of it they remember, leaving words out. The
article is the one right answer. This tool samples ``--articles`` articles from SOURCE
(JSONL records {"id" or "_id", "title", "text"}) and writes, in BEIR format:

- ``DIR/corpus.jsonl``: the sampled articles, {"_id", "title", "text"} a line;
- ``DIR/queries-headline.jsonl``: per article its headline as typed from memory:
  lowercased, punctuation removed, about 15% of its syllables left out (one or two
  words, as pyvi segments them: function words such as "của", "và", "cho" first), at
  least three syllables left;
- ``DIR/queries-sentence.jsonl``: per article a phrase of a sentence of its body (never
  the first, which often repeats the headline): 6-12 syllables in a row from the start
  of a clause, about a quarter of them left out (whole words, function words first),
  lowercased, punctuation removed;
- ``DIR/qrels.tsv``: "query-id, corpus-id, score" for both query files (ids
  "<doc>:headline" and "<doc>:sentence", score 1);
- ``DIR/README.md``: how the set was made.

It is a checking set, not a tuning set: the ranking is tuned on the dev questions
(vinewsqa-dev) and these figures are reported beside them, to see whether a change
carries over to another kind of query on other news. Index the corpus alone (a small,
easy set: every system finds nearly every headline among 500 articles, the phrases
tell systems apart), or with distractors (``vnsearch index DIR/corpus.jsonl baomoi-35k.jsonl.gz``: the
real task, one article among 35k); the distractor files go to ``--skip-ids`` so that
none of their articles (same id, same headline or same opening) is sampled. Queries
without diacritics or with typos come from ``python -m search.tools.mistype``.

Everything is deterministic: the sample is the ``--articles`` usable records with the
smallest ``sha256(f"{seed}:{id}")`` (in that order, so a smaller sample is a prefix of a
larger one, and the order of SOURCE does not matter), and each query's choices come
from ``random.Random(f"{seed}:{id}:headline")`` (or ``:sentence``). A record is not
usable when its headline or text is too short, its body has no sentence to quote, its
id, headline or opening occurs twice in SOURCE (a known item must have one answer), or
it is in a ``--skip-ids`` file.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import random
import re
import shlex
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from search.analysis.analyzers import syllable_texts
from search.analysis.segment import segment
from search.ingest.sources import Unparsed, read_jsonl
from search.text import normalize

MIN_TITLE_SYLLABLES = 5  # a shorter headline is a label ("Tin vắn", "Ảnh"), not a known item
MIN_TEXT_SYLLABLES = 80  # a shorter body is a caption or a stub
MIN_SENTENCE_SYLLABLES = 10  # a sentence to quote has room for a 6-12 syllable phrase
MIN_QUERY_SYLLABLES = 3
HEADLINE_DROP_SHARE = 0.15  # of a remembered headline's syllables, left out
PHRASE_SYLLABLES = (6, 12)  # the length of the remembered phrase of a sentence
PHRASE_DROP_SHARE = 0.25  # of the phrase's syllables, left out
OPENING_CHARS = 200  # an article's opening, to know a repeated article by

# Words a reader leaves out first: they carry the grammar, not the story (lowercased).
_FUNCTION_WORDS = """
    của và các những cho với trong để theo là có được đã bị sẽ đang một về từ tại khi này đó
    vào ra lên thì mà như nhưng hay hoặc lại rằng vẫn cũng rất nhiều
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())

# The files of a set, in DIR.
FILES = ("corpus.jsonl", "queries-headline.jsonl", "queries-sentence.jsonl", "qrels.tsv", "README.md")

# A sentence ends at . ! ? … (and closing quotes) followed by a space, unless the
# character before is a capital: "TP. Hà Nội", "N.G. B" do not end a sentence.
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’»)]*\s+")
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Counts:
    """What happened to the records of SOURCE."""

    read: int = 0  # records with an id, a headline and a text
    unreadable: int = 0  # lines that are not such a record
    skipped: int = 0  # in a --skip-ids file (same id, headline or opening)
    repeated: int = 0  # id, headline or opening twice in SOURCE
    sampled: int = 0


@dataclass(frozen=True)
class Record:
    """A JSONL record with a string id, headline and text."""

    id: str
    title: str
    text: str

    def keys(self) -> tuple[bytes, bytes, bytes]:
        """Digests of the id, the headline's words and the opening's words (cheap forms:
        every record of SOURCE and of the skip files is keyed)."""
        return (
            _digest("id", self.id),
            _digest("title", " ".join(_WORD.findall(self.title.lower()))),
            _digest("opening", " ".join(self.text[:OPENING_CHARS].lower().split())),
        )


@dataclass(frozen=True)
class KnownItem:
    """One sampled article and the two queries that look for it."""

    record: Record
    headline_query: str
    sentence_query: str


def _digest(kind: str, value: str) -> bytes:
    return hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=12).digest()


def sample_key(seed: int, doc_id: str) -> int:
    """The record's place in the sample: the smallest keys are taken."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()[:8], "big")


def read_records(path: Path) -> Iterator[Record | None]:
    """The records of a .jsonl or .jsonl.gz file; None for a line that is not one (bad
    JSON, no id, a headline or text that is not a string)."""
    for item, _, _ in read_jsonl(path, defer=True):
        if not isinstance(item, Unparsed):
            yield None
            continue
        title, text = item.record.get("title"), item.record.get("text")
        if not isinstance(title, str) or not isinstance(text, str):
            yield None
            continue
        yield Record(item.id, title.strip(), text.strip())


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: its lines, each cut after . ! ? … (not after a capital)."""
    found: list[str] = []
    for line in normalize(text).splitlines():
        start = 0
        for match in _SENTENCE_END.finditer(line):
            if match.start() > 0 and line[match.start() - 1].isupper():
                continue
            found.append(line[start : match.start() + 1].strip())
            start = match.end()
        found.append(line[start:].strip())
    return [sentence for sentence in found if sentence]


# A segmented word as its lowercased syllables, and whether a clause starts at it.
Word = tuple[list[str], bool]


def words_of(text: str) -> list[Word]:
    """The words of ``text`` (pyvi's segmentation, as the index has them), lowercased;
    a clause starts at the first word and after punctuation and a space (a comma, a
    colon, a quote; not the hyphen of "11-4")."""
    text = normalize(text)
    words: list[Word] = []
    end = 0
    for word in segment(text):
        gap = text[end : word.start]
        clause = bool(gap.strip()) and any(char.isspace() for char in gap)
        words.append((word.text.lower().split(), not words or clause))
        end = word.end
    return words


def drop_words(words: list[Word], share: float, rng: random.Random) -> str:
    """The syllables of ``words`` with whole words left out, function words first (in an
    order from ``rng``), until about ``share`` of the syllables are gone (at least one
    word), keeping at least three syllables; joined by spaces."""
    total = sum(len(syllables) for syllables, _ in words)
    wanted = max(1, round(share * total))
    function = [i for i, (syllables, _) in enumerate(words) if " ".join(syllables) in FUNCTION_WORDS]
    content = [i for i in range(len(words)) if i not in set(function)]
    dropped: set[int] = set()
    gone = 0
    for i in rng.sample(function, len(function)) + rng.sample(content, len(content)):
        if gone >= wanted:
            break
        if total - gone - len(words[i][0]) >= MIN_QUERY_SYLLABLES:
            dropped.add(i)
            gone += len(words[i][0])
    return " ".join(" ".join(syllables) for i, (syllables, _) in enumerate(words) if i not in dropped)


def headline_query(title: str, rng: random.Random, share: float = HEADLINE_DROP_SHARE) -> str:
    """The headline as typed from memory: lowercased, punctuation gone, about ``share``
    of its syllables left out as whole words, function words first."""
    return drop_words(words_of(title), share, rng)


def sentence_query(
    text: str,
    rng: random.Random,
    lengths: tuple[int, int] = PHRASE_SYLLABLES,
    share: float = PHRASE_DROP_SHARE,
) -> str | None:
    """A remembered phrase of one of the body's sentences (not the first): words in a row
    from the start of a clause, ``lengths`` syllables (at least, and at most when the
    sentence allows), about ``share`` of them left out; None when no sentence is long
    enough."""
    usable = [s for s in sentences(text)[1:] if len(syllable_texts(s)) >= MIN_SENTENCE_SYLLABLES]
    if not usable:
        return None
    words = words_of(rng.choice(usable))
    left = list(accumulate((len(syllables) for syllables, _ in reversed(words)), initial=0))[::-1]
    starts = [i for i, (_, clause) in enumerate(words) if clause and left[i] >= lengths[0]] or [0]
    start = rng.choice(starts)
    length = rng.randint(*lengths)
    end = start
    taken = 0
    while end < len(words) and taken < length:
        taken += len(words[end][0])
        end += 1
    return drop_words(words[start:end], share, rng)


def known_item(record: Record, seed: int) -> KnownItem | None:
    """The record with its two queries, or None when it cannot be a known item (too short
    a headline or text, no sentence to quote)."""
    if len(syllable_texts(record.title)) < MIN_TITLE_SYLLABLES:
        return None
    if len(syllable_texts(record.text)) < MIN_TEXT_SYLLABLES:
        return None
    sentence = sentence_query(record.text, random.Random(f"{seed}:{record.id}:sentence"))
    if sentence is None:
        return None
    headline = headline_query(record.title, random.Random(f"{seed}:{record.id}:headline"))
    return KnownItem(record, headline, sentence)


def skipped_keys(paths: Iterable[Path]) -> set[bytes]:
    """The digests of the ids, headlines and openings of the records of ``paths``."""
    keys: set[bytes] = set()
    for path in paths:
        for record in read_records(path):
            if record is not None:
                keys.update(record.keys())
    return keys


class Smallest:
    """The usable known items with the smallest sample keys offered so far, at most
    ``size`` (a record offered twice, a repeated id, may be held twice)."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.seed = seed
        self.overflowed = False  # a usable item was left out for want of room
        self._offered = 0
        self._heap: list[tuple[int, int, KnownItem]] = []  # (-key, -order, item): largest key on top

    def offer(self, record: Record) -> None:
        key = sample_key(self.seed, record.id)
        self._offered += 1
        if len(self._heap) == self.size and -key <= self._heap[0][0]:
            self.overflowed = True
            return
        item = known_item(record, self.seed)
        if item is None:
            return
        entry = (-key, -self._offered, item)
        if len(self._heap) == self.size:
            heapq.heapreplace(self._heap, entry)
            self.overflowed = True
        else:
            heapq.heappush(self._heap, entry)

    def items(self) -> list[KnownItem]:
        """The items in sample-key order (equal keys, only a repeated id's: as offered)."""
        return [item for _, _, item in sorted(self._heap, key=lambda entry: (-entry[0], -entry[1]))]


def sample(
    source: Path, articles: int, seed: int = 0, skip: Iterable[Path] = ()
) -> tuple[list[KnownItem], Counts]:
    """The known items of ``source``: the ``articles`` usable records with the smallest
    sample keys, in key order, and what happened to the records read."""
    skipped = skipped_keys(skip)
    counts = Counts()
    seen: Counter[bytes] = Counter()
    record_keys: list[tuple[bytes, ...]] = []

    def repeated(keys: Iterable[bytes]) -> bool:
        return any(seen[key] > 1 for key in keys)

    # One pass keeps twice as many candidates as needed and counts the ids, headlines and
    # openings on the way; the repeated ones are dropped after it. Only when too few are
    # left (many repeats) does a second pass read again, knowing the repeats.
    candidates = Smallest(2 * articles + 50, seed)
    for record in read_records(source):
        if record is None:
            counts.unreadable += 1
            continue
        counts.read += 1
        keys = record.keys()
        seen.update(keys)
        if any(key in skipped for key in keys):
            counts.skipped += 1
            continue
        record_keys.append(keys)
        candidates.offer(record)
    counts.repeated = sum(map(repeated, record_keys))
    chosen = [item for item in candidates.items() if not repeated(item.record.keys())]
    if len(chosen) < articles and candidates.overflowed:
        again = Smallest(articles, seed)
        for record in filter(None, read_records(source)):
            keys = record.keys()
            if not repeated(keys) and not any(key in skipped for key in keys):
                again.offer(record)
        chosen = again.items()
    chosen = chosen[:articles]
    counts.sampled = len(chosen)
    return chosen, counts


def _jsonl(path: Path, rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as sink:
        for row in rows:
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")


def readme(command: str, seed: int, counts: Counts) -> str:
    """DIR/README.md: how the set was made, and what it is for."""
    low, high = PHRASE_SYLLABLES
    return f"""# Known-item searches (generated)

Made by `search/tools/knownitem.py` (seed {seed}), deterministic: the same command gives
the same files.

    {command}

{counts.read} records read ({counts.unreadable} unreadable lines), {counts.skipped} left out
as in the --skip-ids files, {counts.repeated} as repeated in the source (id, headline or
opening); {counts.sampled} articles sampled (the usable records with the smallest
sha256("seed:id")).

- `corpus.jsonl`: the articles; `qrels.tsv`: each query's article (score 1).
- `queries-headline.jsonl` (`<id>:headline`): the headline lowercased, without
  punctuation, about {HEADLINE_DROP_SHARE:.0%} of its syllables left out (whole words,
  function words first).
- `queries-sentence.jsonl` (`<id>:sentence`): {low}-{high} syllables of a sentence of the
  body (not the first) from the start of a clause, about {PHRASE_DROP_SHARE:.0%} of them left out.

A checking set, not for tuning: tune on the dev questions, report these beside them.
Without diacritics or with typos: `python -m search.tools.mistype QUERIES --kind plain|typo --out FILE`.
"""


def write_set(out: Path, items: list[KnownItem], command: str, seed: int, counts: Counts) -> None:
    """The BEIR files and README.md of the known items in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    records = [item.record for item in items]
    _jsonl(out / "corpus.jsonl", ({"_id": r.id, "title": r.title, "text": r.text} for r in records))
    for kind in ("headline", "sentence"):
        queries = (
            {"_id": f"{item.record.id}:{kind}", "text": getattr(item, f"{kind}_query")} for item in items
        )
        _jsonl(out / f"queries-{kind}.jsonl", queries)
    with (out / "qrels.tsv").open("w", encoding="utf-8", newline="\n") as sink:
        sink.write("query-id\tcorpus-id\tscore\n")
        for record in records:
            for kind in ("headline", "sentence"):
                sink.write(f"{record.id}:{kind}\t{record.id}\t1\n")
    (out / "README.md").write_text(readme(command, seed, counts), encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m search.tools.knownitem", description=__doc__.splitlines()[0]
    )
    parser.add_argument("source", type=Path, help="JSONL (.jsonl or .jsonl.gz) of {id, title, text}")
    parser.add_argument("--out", type=Path, required=True, help="folder for the BEIR files")
    parser.add_argument("--articles", type=int, default=500, help="how many articles to sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--skip-ids",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="JSONL corpora none of whose articles may be sampled (the distractors)",
    )
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    for path in [args.source, *args.skip_ids]:
        if not path.is_file():
            parser.error(f"no such file: {path}")
    items, counts = sample(args.source, args.articles, args.seed, args.skip_ids)
    words = ["python", "-m", "search.tools.knownitem", str(args.source), "--out", str(args.out)]
    words += ["--articles", str(args.articles), "--seed", str(args.seed)]
    words += ["--skip-ids", *map(str, args.skip_ids)] if args.skip_ids else []
    write_set(args.out, items, shlex.join(words), args.seed, counts)
    print(
        f"{counts.sampled} articles ({counts.read} records read, {counts.skipped} skipped, "
        f"{counts.repeated} repeated) and {2 * counts.sampled} queries written to {args.out}"
    )
    if counts.sampled < args.articles:
        print(f"warning: only {counts.sampled} usable articles, not {args.articles}")


if __name__ == "__main__":
    main()
