"""The per-process vector index: every stored thread vector, int8-quantised in memory (a quarter
of float32: 100k threads x 2 vectors is 77 MB), kept fresh from the database. Up to EXACT_ROWS
vectors a query scores them all; past that, a pass over their sign bits (48 bytes a vector)
picks RESCORE rows per kind, which are then scored exactly (a large community's bounded cost).

A query refreshes it at most once every SEMANTIC_REFRESH_SECONDS by reading the rows written
since its last look (and those stamped up to a few seconds before it, which may have committed
late); vectors removed
from the database are noticed by a row count, checked once a minute.
"""
import ctypes
import threading
import time
from datetime import timedelta

import numpy as np
from flask import current_app
from sqlalchemy import select

from core.database import db
from core.time import utcnow
from search.semantic.store import KINDS, ThreadVector

_KEY = "commonplace.semantic_index"
SLACK = timedelta(seconds=5)
RECOUNT_SECONDS = 60.0
_BATCH = 5000  # rows read and quantised at a time
_CHUNK = 1024  # rows converted to float32 at a time, into one reused 1.5 MB scratch block
EXACT_ROWS = 50_000  # an index this small is scanned exactly on every query
RESCORE = 2000  # rows per kind scored exactly after the sign-bit pass of a larger index
_FAR = np.uint16(65535)  # the Hamming distance of a free row or one of another kind


class VectorIndex:
    def __init__(self, model: str, dim: int = 384):
        self.model, self.dim = model, dim
        self.rows: dict[int, int] = {}  # _key(thread_id, kind) -> row
        self.thread_ids = np.zeros(0, np.int64)
        self.kinds = np.zeros(0, np.int8)          # index into KINDS
        self.codes = np.zeros((0, dim), np.int8)
        self.scales = np.zeros(0, np.float32)      # 0 for a free row
        self.bits = np.zeros((_words(dim), 0), np.uint64)  # each vector's signs, a column each
        self.free: list[int] = []
        self.watermark = None
        self.settled = None  # rows stamped up to here have all been read
        self.loaded_at = self.counted_at = 0.0
        self.dirty = True
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.rows)

    # -- writing -------------------------------------------------------------------------
    def put(self, thread_id: int, kind: str, vector: np.ndarray) -> None:
        self.put_many([(thread_id, kind)], np.asarray(vector, np.float32)[None, :])

    def put_many(self, keys: list[tuple[int, str]], vectors: np.ndarray) -> None:
        """Add or replace the vectors of these (thread_id, kind) keys, quantised in one go."""
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            return
        rows = np.empty(len(keys), np.int64)
        for n, key in enumerate(keys):
            packed = _key(*key)
            row = self.rows.get(packed)
            if row is None:
                row = self.free.pop() if self.free else self._grow(len(keys) - n)
                self.rows[packed] = row
            rows[n] = row
        self.bits[:, rows] = _signs(vectors)
        peaks = np.abs(vectors).max(axis=1)
        peaks[peaks == 0] = 1.0
        self.codes[rows] = np.round(vectors * (127.0 / peaks)[:, None]).astype(np.int8)
        self.scales[rows] = peaks / 127.0
        self.thread_ids[rows] = [key[0] for key in keys]
        self.kinds[rows] = [KINDS.index(k) if k in KINDS else -1 for _, k in keys]

    def drop(self, key: tuple[int, str]) -> None:
        row = self.rows.pop(_key(*key), None)
        if row is not None:
            self.scales[row] = 0.0
            self.thread_ids[row] = 0
            self.free.append(row)

    def _grow(self, wanted: int = 1) -> int:
        """Room for `wanted` more rows (and a quarter more once there are some): the first
        free row."""
        used = len(self.thread_ids)
        size = used + max(1024, wanted, used // 4) if used else max(1024, wanted)
        self.thread_ids = np.concatenate([self.thread_ids, np.zeros(size - used, np.int64)])
        self.kinds = np.concatenate([self.kinds, np.zeros(size - used, np.int8)])
        self.codes = np.concatenate([self.codes, np.zeros((size - used, self.dim), np.int8)])
        self.scales = np.concatenate([self.scales, np.zeros(size - used, np.float32)])
        self.bits = np.concatenate([self.bits, np.zeros((_words(self.dim), size - used),
                                                         np.uint64)], axis=1)
        self.free.extend(range(size - 1, used, -1))
        return used

    # -- reading -------------------------------------------------------------------------
    def rank(self, queries: np.ndarray, limit: int = 50,
             kinds: tuple[str, ...] = KINDS) -> list[list[tuple[int, float]]]:
        """Per kind, threads by cosine similarity to the closest of `queries` (rows), best first."""
        with self.lock:  # one consistent view: a refresh may grow the arrays meanwhile
            codes, scales, ids, row_kinds = self.codes, self.scales, self.thread_ids, self.kinds
            bits = self.bits
        if not self.rows:
            return [[] for _ in kinds]
        queries = np.atleast_2d(np.asarray(queries, np.float32))
        if len(scales) <= EXACT_ROWS:
            scores = _scores(codes, queries) * scales
            scores[scales == 0] = -2.0
            return [_top(np.where(row_kinds == KINDS.index(kind), scores, np.float32(-2.0)),
                         ids, limit) for kind in kinds]
        distance = _hamming(bits, _signs(queries))
        distance[scales == 0] = _FAR
        rankings = []
        for kind in kinds:
            masked = np.where(row_kinds == KINDS.index(kind), distance, _FAR)
            rows = _nearest(masked, max(RESCORE, limit))
            rankings.append(_top(_scores(codes[rows], queries) * scales[rows], ids[rows], limit)
                            if len(rows) else [])
        return rankings

    def search(self, query: np.ndarray, limit: int = 50) -> list[tuple[int, float]]:
        """Threads by their best-matching vector of any kind, best first."""
        best: dict[int, float] = {}
        for ranking in self.rank(query, limit):
            for thread_id, score in ranking:
                best[thread_id] = max(score, best.get(thread_id, -2.0))
        return sorted(best.items(), key=lambda item: -item[1])[:limit]

    # -- keeping fresh -------------------------------------------------------------------
    def refresh(self, every: float) -> None:
        now = time.monotonic()
        if not self.dirty and now - self.loaded_at < every:
            return
        with self.lock:
            self.dirty, self.loaded_at = False, now
            self._read_new()
            if now - self.counted_at >= RECOUNT_SECONDS or every == 0:
                self.counted_at = now
                self._drop_removed()

    def _read_new(self) -> None:
        query = select(ThreadVector.thread_id, ThreadVector.kind, ThreadVector.vector,
                       ThreadVector.updated_at).where(ThreadVector.model == self.model)
        if self.settled is not None:
            query = query.where(ThreadVector.updated_at > self.settled)
        started, newest, first = utcnow(), self.watermark, self.watermark is None
        if first:  # room for every stored vector at once: no growth, no slack
            self.free.append(self._grow(db.session.scalar(
                select(db.func.count()).select_from(ThreadVector)
                .where(ThreadVector.model == self.model)) or 0))
        result = db.session.execute(query.execution_options(yield_per=_BATCH))
        for rows in result.partitions():
            wanted = [r for r in rows if len(r.vector) == self.dim * 4]
            if wanted:
                self.put_many([(r.thread_id, r.kind) for r in wanted],
                              np.frombuffer(b"".join(r.vector for r in wanted), "<f4")
                              .reshape(len(wanted), self.dim))
            stamps = [r.updated_at for r in rows if r.updated_at is not None]
            if stamps and (newest is None or max(stamps) > newest):
                newest = max(stamps)
        self.watermark = newest
        if newest is not None:
            # A row stamped more than SLACK before this read had committed by then (a longer
            # transaction is not waited for): later reads look back only to here, so rows
            # written in bulk are not read again on every refresh.
            self.settled = min(newest, started - SLACK)
        if first:
            _release_freed_memory()

    def _drop_removed(self) -> None:
        stored = db.session.scalar(select(db.func.count()).select_from(ThreadVector)
                                   .where(ThreadVector.model == self.model)) or 0
        if stored == len(self.rows):
            return
        keys = {_key(*key) for key in db.session.execute(
            select(ThreadVector.thread_id, ThreadVector.kind)
            .where(ThreadVector.model == self.model)).tuples()}
        for key in [k for k in self.rows if k not in keys]:
            self.drop(_unkey(key))


def _release_freed_memory() -> None:
    """Hand back to the system what reading every stored vector left in malloc's free lists
    (some 45 MB at 200k vectors that each worker would otherwise keep)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _key(thread_id: int, kind: str) -> int:
    """One int per (thread, kind) key: a third of a tuple's memory at 200k vectors."""
    return thread_id * 8 + KINDS.index(kind) + 1 if kind in KINDS else thread_id * 8


def _unkey(key: int) -> tuple[int, str]:
    return key // 8, KINDS[key % 8 - 1] if key % 8 else ""


def _scores(codes: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Each int8 row's best dot product with the queries (before its scale)."""
    scores = np.empty(len(codes), np.float32)
    scratch = np.empty((min(_CHUNK, len(codes)), codes.shape[1]), np.float32)
    for start in range(0, len(codes), _CHUNK):
        block = codes[start:start + _CHUNK]
        np.copyto(scratch[:len(block)], block, casting="unsafe")
        scores[start:start + len(block)] = (scratch[:len(block)] @ queries.T).max(axis=1)
    return scores


def _words(dim: int) -> int:
    return (dim + 63) // 64


def _signs(vectors: np.ndarray) -> np.ndarray:
    """The sign bits of each row, as columns of uint64 words."""
    packed = np.packbits(vectors > 0, axis=1)
    packed = np.pad(packed, ((0, 0), (0, _words(packed.shape[1] * 8) * 8 - packed.shape[1])))
    return packed.view(np.uint64).T


def _hamming(bits: np.ndarray, query_bits: np.ndarray) -> np.ndarray:
    """Each row's smallest Hamming distance to the queries' sign bits (one column a query)."""
    best = np.full(bits.shape[1], _FAR, np.uint16)
    distance = np.empty(bits.shape[1], np.uint16)
    for query in query_bits.T:
        distance[:] = 0
        for word, bit in zip(bits, query):
            np.add(distance, np.bitwise_count(word ^ bit), out=distance)
        np.minimum(best, distance, out=best)
    return best


def _nearest(distance: np.ndarray, depth: int) -> np.ndarray:
    """The rows within the smallest distance that at least `depth` rows (or all) are within."""
    counts = np.bincount(distance[distance < _FAR], minlength=1)
    cut = int(np.searchsorted(np.cumsum(counts), depth))
    return np.flatnonzero(distance <= cut)


def _top(scores: np.ndarray, ids: np.ndarray, limit: int) -> list[tuple[int, float]]:
    wanted = min(len(scores), limit)
    top = np.argpartition(-scores, wanted - 1)[:wanted]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(ids[row]), float(scores[row])) for row in top if scores[row] > -2.0]


def get_index(model: str, app=None) -> VectorIndex:
    """The app's (that is, the site's) index for `model`, refreshed if its time has come."""
    app = app or current_app._get_current_object()
    indexes = app.extensions.setdefault(_KEY, {})
    index = indexes.get(model)
    if index is None:
        index = indexes.setdefault(model, VectorIndex(model))
    index.refresh(app.config.get("SEMANTIC_REFRESH_SECONDS", 1.0))
    return index


def touch(app=None) -> None:
    """Vectors were written by this process: the next query reads them at once."""
    app = app or current_app._get_current_object()
    for index in app.extensions.get(_KEY, {}).values():
        index.dirty = True
