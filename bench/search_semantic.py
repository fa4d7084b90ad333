"""Semantic layer benchmark: embeddings/s (batches of thread texts, and one title as a query is
embedded), then GET /api/v1/search/similar and GET /api/v1/search p50/p99 served by gunicorn on 127.0.0.1 over N
synthetic threads (bench.search_corpus: title ~10 words, question ~150, Zipf vocabulary), and
each web worker's memory (RSS and PSS) with the semantic layer on and off. Prints figures only.

    .venv/bin/python bench/search_semantic.py [--threads 100000] [--embed 512] [--queries 300]

Embedding every synthetic thread with the real model would take hours on two cores, and the
latency and memory of the vector side do not depend on what the vectors say: the first
`--embed` threads get the model's vectors (that is the embeddings/s figure), the rest random
unit vectors written straight into thread_vectors.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402
from bench.search_corpus import Corpus, instance  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--embed", type=int, default=512, help="threads embedded by the model")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--backend", default="whoosh", choices=("whoosh", "database"))
    return parser.parse_args(argv)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def embedding_rates(corpus: Corpus, count: int) -> list[str]:
    from search.semantic import get_encoder
    encoder = get_encoder()
    posts = [f"{corpus.text(10)}\n{corpus.text(150)}" for _ in range(count)]
    titles = [corpus.text(10) for _ in range(count)]
    lines = []
    for label, texts in (("title + question (128 tokens)", posts), ("title", titles)):
        started = time.perf_counter()
        encoder.encode(texts)
        seconds = time.perf_counter() - started
        lines.append(f"embeddings/s, batches of 32, {label:<30} {count / seconds:8.1f}")
    single = []
    for title in titles[:100]:
        started = time.perf_counter()
        encoder.encode([title])
        single.append((time.perf_counter() - started) * 1000)
    lines.append(f"one query title embedded: p50 {percentile(single, 50):.1f} ms, "
                 f"p99 {percentile(single, 99):.1f} ms")
    return lines


def fill_vectors(app, embed: int) -> float:
    """Model vectors for the first `embed` threads, random unit vectors for the rest."""
    from sqlalchemy import insert, select
    from community.models import Thread
    from core.database import db
    from search.semantic import get_encoder
    from search.semantic.embedder import refresh_threads
    from search.semantic.store import KINDS, ThreadVector, as_bytes
    ids = list(db.session.scalars(select(Thread.id).order_by(Thread.id)))
    started = time.perf_counter()
    refresh_threads(ids[:embed])
    seconds = time.perf_counter() - started
    rng, model = np.random.default_rng(3), get_encoder().name
    for start in range(embed, len(ids), 5000):
        chunk = ids[start:start + 5000]
        vectors = rng.standard_normal((len(chunk) * len(KINDS), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        rows = [{"thread_id": tid, "kind": kind, "model": model, "dim": 384,
                 "vector": as_bytes(vectors[n * len(KINDS) + k]), "fingerprint": "random"}
                for n, tid in enumerate(chunk) for k, kind in enumerate(KINDS)]
        with db.engine.begin() as conn:
            conn.execute(insert(ThreadVector.__table__), rows)
        if (start - embed) // 5000 % 4 == 3 or start + 5000 >= len(ids):
            print(f"  random vectors for {min(start + 5000, len(ids))}/{len(ids)} threads",
                  flush=True)
    return embed / seconds if seconds else 0.0


def memory_of(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return fields.get("Rss", 0.0), fields.get("Pss", 0.0)


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def serve_and_measure(folder: Path, corpus: Corpus, queries: int, semantic: bool,
                      backend: str) -> str:
    env = {**os.environ, "COMMONPLACE_INSTANCE_PATH": str(folder), "RATELIMIT_ENABLED": "false",
           "SEARCH_SEMANTIC": "on" if semantic else "off", "SEARCH_BACKEND": backend,
           "CONSUMERS_IN_PROCESS_SECONDS": "0"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    label = "semantic on " if semantic else "semantic off"
    log = folder / f"gunicorn-{'on' if semantic else 'off'}.log"
    server = servers.start(label, "wsgi:app", env, log, ready_path="/api/v1/categories")
    try:
        idle = [memory_of(pid) for pid in workers_of(server.proc.pid)]
        similar = _timed(server, [f"/api/v1/search/similar?title={quote(corpus.text(10))}"
                                  for _ in range(queries + 20)])
        # The search box: 1-3 words, as people type them (hybrid when the layer is on).
        search = _timed(server, [f"/api/v1/search?q={quote(corpus.text(1 + n % 3))}"
                                 for n in range(queries + 20)])
        busy = [memory_of(pid) for pid in workers_of(server.proc.pid)]
    finally:
        server.stop()
    rss = statistics.mean(m[0] for m in busy)
    pss = statistics.mean(m[1] for m in busy)
    added = statistics.mean(b[1] - i[1] for b, i in zip(busy, idle))
    return (f"{label}: /api/v1/search/similar p50 {percentile(similar, 50):6.1f} ms  "
            f"p99 {percentile(similar, 99):6.1f} ms; /api/v1/search p50 "
            f"{percentile(search, 50):6.1f} ms  p99 {percentile(search, 99):6.1f} ms "
            f"({len(similar)} sequential requests each); "
            f"per worker RSS {rss:5.0f} MB, PSS {pss:5.0f} MB (PSS +{added:.0f} MB after serving)")


def _timed(server, paths: list[str]) -> list[float]:
    """Milliseconds per request, the first 20 left out (each worker loads the model and the
    vectors on its first requests)."""
    timings = []
    for n, path in enumerate(paths):
        started = time.perf_counter()
        status, _ = servers.fetch(server.port, path, timeout=10 if n >= 20 else 300)
        if status != 200:
            raise RuntimeError(f"HTTP {status} for {path!r}:\n{server.log_tail()}")
        if n >= 20:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def main(argv=None) -> int:
    args = parse_args(argv)
    print(f"semantic bench: {args.threads} threads, {args.embed} embedded by the model, "
          f"{args.backend} backend, {servers.describe()}, 2 cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="semantic-bench-") as tmp:
        folder = Path(tmp)
        corpus = Corpus(11)
        started = time.perf_counter()
        with instance(folder, args.threads) as app:
            from core.database import db
            # Seeding left a read transaction open from before its bulk inserts: end it, or
            # SQLite's snapshot hides every seeded thread from what follows.
            db.session.remove()
            app.config["SEARCH_BACKEND"] = args.backend
            print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
            for line in embedding_rates(corpus, min(args.embed, 256)):
                print(line, flush=True)
            from search import rebuild
            started = time.perf_counter()
            rebuild.rebuild_lexical()
            print(f"lexical rebuild ({args.backend}) in {time.perf_counter() - started:.0f} s",
                  flush=True)
            rate = fill_vectors(app, min(args.embed, args.threads))
            print(f"embedder consumer path (documents, fingerprints, model, upsert): "
                  f"{rate:.1f} threads/s", flush=True)
        for semantic in (True, False):
            print(serve_and_measure(folder, corpus, args.queries, semantic, args.backend),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
