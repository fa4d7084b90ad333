"""Do "similar questions" and the search box find the original of a Stack Exchange duplicate? For
every duplicate link of a dump (PostLinks LinkTypeId 3, both questions present) it asks for
threads similar to the duplicate's title (--target similar), or searches /search's way with the
title as the query (--target search), leaving the duplicate itself out, and prints recall@1/5/10
and MRR@10 of the original, and the median and 90th-percentile time of one query (in this
process, no HTTP), per dump and pooled, for each search backend with and without the semantic
layer.
With --related the pairs are the "related" links (LinkTypeId 1) instead: a held-out check for
choices made on other data, since the targets count the duplicates.

Each dump is imported (app.importers.stackexchange) into a temporary instance per backend
(whoosh on SQLite; database on SQLite; database on PostgreSQL when --database-url or
DATABASE_URL names one, whose schema is DROPPED) and the index is built by the after-import
hooks and the event-log consumers, as `flask import stackexchange` does.

    .venv/bin/python bench/search_quality.py [--dump DIR ...] [--semantic on|off|both] [--related]
        [--target similar|search|both]
"""
import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.cli_import import run_after_import  # noqa: E402
from app.importers import reading  # noqa: E402
from app.importers.stackexchange import import_dump  # noqa: E402
from bench.instances import instance, postgres_url  # noqa: E402

SHARED_DUMPS = Path(__file__).resolve().parents[2] / "shared" / "data" / "stackexchange"
DEFAULT_DUMPS = ("beer", "bicycles_meta")
TOP = 10
DUPLICATE, RELATED = "3", "1"  # PostLinks LinkTypeId
TARGET = {"recall@10": 0.9, "mrr@10": 0.65}          # /search/similar
SEARCH_TARGET = {"recall@10": 0.85}                   # /search: the original in the top 10
# (label, SEARCH_BACKEND, uses the PostgreSQL URL)
BACKENDS = (("whoosh/sqlite", "whoosh", False), ("database/sqlite", "database", False),
            ("database/postgresql", "database", True))

Ranker = Callable[[str, int], list[int]]  # (title, thread id to leave out) → thread ids, best first


@dataclass(frozen=True)
class Pair:
    duplicate: str  # the duplicate question's Stack Exchange id
    original: str
    title: str      # the duplicate's title: the query


def duplicate_pairs(dump: Path, link_type: str = DUPLICATE) -> list[Pair]:
    """The dump's duplicate (or other) links whose two questions are both in Posts.xml, once
    each; the linking question asks, the linked one is to be found."""
    titles = {}
    for attrs in reading.rows(dump / "Posts.xml"):
        if attrs.get("PostTypeId") == "1" and (id_ := reading.parse_id(attrs.get("Id"))):
            titles[id_] = attrs.get("Title") or ""
    pairs = {}
    links = dump / "PostLinks.xml"
    for attrs in reading.rows(links) if links.is_file() else ():
        dup, orig = reading.parse_id(attrs.get("PostId")), reading.parse_id(
            attrs.get("RelatedPostId"))
        if attrs.get("LinkTypeId") == link_type and dup in titles and orig in titles and dup != orig:
            pairs.setdefault((dup, orig), Pair(dup, orig, titles[dup]))
    return list(pairs.values())


def rank_of(original: int, results: list[int]) -> int | None:
    """The original's 1-based place among the first TOP results, or None."""
    top = results[:TOP]
    return top.index(original) + 1 if original in top else None


def metrics(ranks: list[int | None]) -> dict:
    """recall@1/5/10 and MRR@10 over the pairs' ranks (None: not in the first 10)."""
    n = len(ranks)
    found = [r for r in ranks if r is not None]
    result = {"pairs": n}
    for k in (1, 5, 10):
        result[f"recall@{k}"] = sum(1 for r in found if r <= k) / n if n else 0.0
    result["mrr@10"] = sum(1 / r for r in found if r <= TOP) / n if n else 0.0
    return result


def evaluate(pairs: Iterable[Pair], threads: dict[str, int], rank: Ranker,
             seconds: list[float] | None = None) -> list[int | None]:
    """Each pair's rank of the original when searching with the duplicate's title (and the time
    each query took, appended to `seconds`)."""
    ranks = []
    for p in pairs:
        started = time.perf_counter()
        found = rank(p.title, threads[p.duplicate])
        if seconds is not None:
            seconds.append(time.perf_counter() - started)
        ranks.append(rank_of(threads[p.original], found))
    return ranks


def timing(seconds: list[float]) -> dict:
    """Median and 90th percentile of the per-query times, in milliseconds."""
    if not seconds:
        return {"ms p50": 0.0, "ms p90": 0.0}
    ordered = sorted(seconds)
    return {"ms p50": statistics.median(ordered) * 1000,
            "ms p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] * 1000}


def similar_ranker(app) -> Ranker:
    """search.similar.similar_threads when the search layers are there, else the HTTP API."""
    try:
        from search.similar import similar_threads
    except ImportError:
        return _api_ranker(app)
    from community.models import ANONYMOUS

    def rank(title: str, exclude: int) -> list[int]:
        return [s.thread_id for s in similar_threads(ANONYMOUS, title, limit=TOP,
                                                      exclude=(exclude,))]
    return rank


def search_ranker(app) -> Ranker:
    """The search box (search.service.search_threads, hybrid when the semantic layer is on):
    the duplicate's title as the query, the duplicate itself left out."""
    from community.models import ANONYMOUS
    from search.backend import MAX_QUERY_LENGTH, SearchQuery
    from search.service import search_threads

    def rank(title: str, exclude: int) -> list[int]:
        found = search_threads(ANONYMOUS, SearchQuery(title[:MAX_QUERY_LENGTH], limit=TOP + 1))
        return [hit.thread_id for hit in found.hits if hit.thread_id != exclude][:TOP]
    return rank


RANKERS = {"similar": (similar_ranker, TARGET), "search": (search_ranker, SEARCH_TARGET)}


def _api_ranker(app) -> Ranker:
    client = app.test_client()

    def rank(title: str, exclude: int) -> list[int]:
        response = client.get("/api/v1/search/similar", query_string={"title": title})
        if response.status_code == 404:
            raise SystemExit("GET /api/v1/search/similar is not there: run this on a branch "
                             "with helper/search and helper/semantic merged")
        return [i["thread_id"] for i in response.json["items"] if i["thread_id"] != exclude]
    return rank


def _build_index(app, result) -> None:
    """What `flask import stackexchange` runs after an import, then every consumer caught up
    (the embedder fills in behind in production; here the figures wait for it)."""
    from core import consumers
    run_after_import(app, result)
    for name in sorted(consumers.registered()):
        consumers.run_until_caught_up(name)


@contextmanager
def _environment(config: dict):
    """The settings as environment variables too, for code that reads them from there."""
    saved = {k: os.environ.get(k) for k in config}
    os.environ.update(config)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def measure_dump(dump: Path, database_url: str | None, config: dict,
                 ranker: Callable = similar_ranker, link_type: str = DUPLICATE,
                 seconds: list[float] | None = None) -> list[int | None]:
    """Import one dump into a fresh instance, build the index, and rank every pair."""
    pairs = duplicate_pairs(dump, link_type)
    with _environment(config), instance(database_url, **config) as app:
        result = import_dump(dump)
        _build_index(app, result)
        return evaluate(pairs, result.run.threads, ranker(app), seconds)


def _line(label: str, backend: str, semantic: str, figures: dict) -> str:
    return (f"{label:<16} {backend:<20} {semantic:<8} {figures['pairs']:>5} "
            f"{figures['recall@1']:>6.2f} {figures['recall@5']:>6.2f} "
            f"{figures['recall@10']:>6.2f} {figures['mrr@10']:>7.2f} "
            f"{figures['ms p50']:>7.1f} {figures['ms p90']:>7.1f}")


def run(dumps: list[Path] | None = None, database_url: str | None = None,
        semantic: tuple[str, ...] = ("on", "off"), backends: tuple[str, ...] | None = None,
        ranker: Callable = similar_ranker, out: Callable[[str], None] = print,
        link_type: str = DUPLICATE, target: dict | None = None) -> list[dict]:
    """Print the table; return its rows ({dump, backend, semantic, pairs, recall@k, mrr@10,
    ms p50, ms p90})."""
    dumps = [Path(d) for d in dumps] if dumps else [SHARED_DUMPS / n for n in DEFAULT_DUMPS]
    url = postgres_url(database_url)
    rows = []
    out(f"{'dump':<16} {'backend':<20} {'semantic':<8} {'pairs':>5} {'R@1':>6} {'R@5':>6} "
        f"{'R@10':>6} {'MRR@10':>7} {'ms p50':>7} {'ms p90':>7}")
    for label, backend, on_postgres in BACKENDS:
        if (backends and label not in backends) or (on_postgres and not url):
            continue
        for mode in semantic:
            config = {"SEARCH_BACKEND": backend, "SEARCH_SEMANTIC": mode}
            pooled, pooled_seconds = [], []
            for dump in dumps:
                seconds: list[float] = []
                ranks = measure_dump(dump, url if on_postgres else None, config, ranker,
                                     link_type, seconds)
                pooled += ranks
                pooled_seconds += seconds
                rows.append({"dump": dump.name, "backend": label, "semantic": mode,
                             **metrics(ranks), **timing(seconds)})
                out(_line(dump.name, label, mode, rows[-1]))
            rows.append({"dump": "pooled", "backend": label, "semantic": mode, **metrics(pooled),
                         **timing(pooled_seconds)})
            met = all(rows[-1][k] >= v for k, v in (target or TARGET).items())
            out(_line("pooled", label, mode, rows[-1]) + ("  meets target" if met else
                                                          "  below target"))
    out("target (pooled): " + ", ".join(f"{k} >= {v}" for k, v in (target or TARGET).items()))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dump", action="append", type=Path,
                        help="a dump folder (repeatable); default: the shared beer and "
                             "bicycles_meta dumps")
    parser.add_argument("--semantic", choices=("on", "off", "both"), default="both")
    parser.add_argument("--backend", action="append", choices=[b[0] for b in BACKENDS])
    parser.add_argument("--related", action="store_true",
                        help="pairs from the related links (LinkTypeId 1), a held-out check")
    parser.add_argument("--target", choices=("similar", "search", "both"), default="both",
                        help="similar questions (/search/similar), the search box (/search; "
                             "the query is the duplicate's title), or both")
    parser.add_argument("--database-url", help="PostgreSQL for database/postgresql "
                                               "(its schema is dropped); default DATABASE_URL")
    # Known arguments only: bench/search.py calls main() with its own (--threads), which
    # mean nothing here.
    args, ignored = parser.parse_known_args(argv)
    if ignored:
        print(f"(ignoring {' '.join(ignored)})")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    modes = ("on", "off") if args.semantic == "both" else (args.semantic,)
    missing = [d for d in args.dump or [SHARED_DUMPS / n for n in DEFAULT_DUMPS]
               if not (d / "Posts.xml").is_file()]
    if missing:
        raise SystemExit(f"no Posts.xml in {', '.join(map(str, missing))}")
    if args.related:
        print("pairs: related links (held out; the targets are for duplicates)")
    for name in ("similar", "search") if args.target == "both" else (args.target,):
        ranker, target = RANKERS[name]
        print(f"\n{name}: " + ("/search/similar" if name == "similar" else
                               "/search, queried with the duplicate's title"))
        run(args.dump, args.database_url, modes, tuple(args.backend or ()) or None,
            ranker=ranker, link_type=RELATED if args.related else DUPLICATE, target=target)


if __name__ == "__main__":
    main()
