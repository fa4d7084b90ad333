"""The per-process vector index: every stored thread vector, int8-quantised in memory (a quarter
of float32: 100k threads x 2 vectors is 77 MB), searched exactly, kept fresh from the database.

A query refreshes it at most once every SEMANTIC_REFRESH_SECONDS by reading the rows written
since its last look (with a few seconds' slack for rows that committed late); vectors removed
from the database are noticed by a row count, checked once a minute.
"""
import threading
import time
from datetime import timedelta

import numpy as np
from flask import current_app
from sqlalchemy import select

from core.database import db
from search.semantic.store import KINDS, ThreadVector

_KEY = "commonplace.semantic_index"
SLACK = timedelta(seconds=5)
RECOUNT_SECONDS = 60.0
_BATCH = 5000  # rows read and quantised at a time
_CHUNK = 4096  # rows converted to float32 at a time: a 6 MB scratch block


class VectorIndex:
    def __init__(self, model: str, dim: int = 384):
        self.model, self.dim = model, dim
        self.rows: dict[tuple[int, str], int] = {}  # (thread_id, kind) -> row
        self.thread_ids = np.zeros(0, np.int64)
        self.kinds = np.zeros(0, np.int8)          # index into KINDS
        self.codes = np.zeros((0, dim), np.int8)
        self.scales = np.zeros(0, np.float32)      # 0 for a free row
        self.free: list[int] = []
        self.watermark = None
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
            row = self.rows.get(key)
            if row is None:
                row = self.free.pop() if self.free else self._grow()
                self.rows[key] = row
            rows[n] = row
        peaks = np.abs(vectors).max(axis=1)
        peaks[peaks == 0] = 1.0
        self.codes[rows] = np.round(vectors * (127.0 / peaks)[:, None]).astype(np.int8)
        self.scales[rows] = peaks / 127.0
        self.thread_ids[rows] = [key[0] for key in keys]
        self.kinds[rows] = [KINDS.index(k) if k in KINDS else -1 for _, k in keys]

    def drop(self, key: tuple[int, str]) -> None:
        row = self.rows.pop(key, None)
        if row is not None:
            self.scales[row] = 0.0
            self.thread_ids[row] = 0
            self.free.append(row)

    def _grow(self) -> int:
        used = len(self.thread_ids)
        size = max(1024, used * 2)
        self.thread_ids = np.concatenate([self.thread_ids, np.zeros(size - used, np.int64)])
        self.kinds = np.concatenate([self.kinds, np.zeros(size - used, np.int8)])
        self.codes = np.concatenate([self.codes, np.zeros((size - used, self.dim), np.int8)])
        self.scales = np.concatenate([self.scales, np.zeros(size - used, np.float32)])
        self.free.extend(range(size - 1, used, -1))
        return used

    # -- reading -------------------------------------------------------------------------
    def rank(self, queries: np.ndarray, limit: int = 50,
             kinds: tuple[str, ...] = KINDS) -> list[list[tuple[int, float]]]:
        """Per kind, threads by cosine similarity to the closest of `queries` (rows), best first."""
        with self.lock:  # one consistent view: a refresh may grow the arrays meanwhile
            codes, scales, ids, row_kinds = self.codes, self.scales, self.thread_ids, self.kinds
        if not self.rows:
            return [[] for _ in kinds]
        queries = np.atleast_2d(np.asarray(queries, np.float32))
        scores = np.full(len(scales), -2.0, np.float32)
        for start in range(0, len(scales), _CHUNK):
            block = codes[start:start + _CHUNK].astype(np.float32) @ queries.T
            scores[start:start + len(block)] = block.max(axis=1)
        scores *= scales
        scores[scales == 0] = -2.0
        return [_top(np.where(row_kinds == KINDS.index(kind), scores, np.float32(-2.0)), ids, limit)
                for kind in kinds]

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
        if self.watermark is not None:
            query = query.where(ThreadVector.updated_at > self.watermark - SLACK)
        newest = self.watermark
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

    def _drop_removed(self) -> None:
        stored = db.session.scalar(select(db.func.count()).select_from(ThreadVector)
                                   .where(ThreadVector.model == self.model)) or 0
        if stored == len(self.rows):
            return
        keys = set(db.session.execute(select(ThreadVector.thread_id, ThreadVector.kind)
                                      .where(ThreadVector.model == self.model)).tuples())
        for key in [k for k in self.rows if k not in keys]:
            self.drop(key)


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
