"""Thread vectors in the database, the record of truth: one row per thread and kind of text
("title", "post"), with the model, dimension and the fingerprint of the text it was computed from."""
import hashlib
from collections.abc import Iterable

import numpy as np
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core.database import db
from core.time import UTCDateTime, utcnow
from core.transactions import transactional

KINDS = ("title", "post")


class ThreadVector(db.Model):
    __tablename__ = "thread_vectors"

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"),
                                           primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    model: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian, unit length
    fingerprint: Mapped[str] = mapped_column(String(32))
    # Web workers read the rows written since their last look through this index.
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)


def text_fingerprint(model: str, kind: str, text: str) -> str:
    return hashlib.blake2b(f"{model}\x1f{kind}\x1f{text}".encode(), digest_size=12).hexdigest()


def as_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def as_vector(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")


def fingerprints(thread_ids: Iterable[int]) -> dict[tuple[int, str], tuple[str, str]]:
    """(thread_id, kind) -> (model, fingerprint) of the stored vectors of these threads."""
    ids = sorted({int(i) for i in thread_ids})
    found = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(select(ThreadVector.thread_id, ThreadVector.kind,
                                         ThreadVector.model, ThreadVector.fingerprint)
                                  .where(ThreadVector.thread_id.in_(ids[start:start + 500])))
        found.update({(r.thread_id, r.kind): (r.model, r.fingerprint) for r in rows})
    return found


@transactional
def save(rows: list[dict], gone: Iterable[int] = ()) -> None:
    """Upsert computed vectors ({thread_id, kind, model, vector, fingerprint}) and drop the
    vectors of threads that are gone. Rows whose thread vanished meanwhile are skipped."""
    gone = sorted({int(i) for i in gone})
    if gone:
        db.session.execute(delete(ThreadVector).where(ThreadVector.thread_id.in_(gone)))
    if not rows:
        return
    from community.models import Thread
    ids = sorted({row["thread_id"] for row in rows})
    live = set(db.session.scalars(select(Thread.id).where(Thread.id.in_(ids),
                                                          Thread.is_deleted.is_(False))))
    existing = {(v.thread_id, v.kind): v for v in db.session.scalars(
        select(ThreadVector).where(ThreadVector.thread_id.in_(ids)))}
    now = utcnow()
    for row in rows:
        if row["thread_id"] not in live:
            continue
        vector = existing.get((row["thread_id"], row["kind"]))
        if vector is None:
            vector = ThreadVector(thread_id=row["thread_id"], kind=row["kind"])
            db.session.add(vector)
        vector.model, vector.dim = row["model"], int(row["vector"].shape[0])
        vector.vector, vector.fingerprint = as_bytes(row["vector"]), row["fingerprint"]
        vector.updated_at = now


@transactional
def clear_other_models(model: str) -> int:
    """Drop vectors computed by another model (after EMBEDDING_MODEL changed and a rebuild)."""
    return db.session.execute(delete(ThreadVector).where(ThreadVector.model != model)).rowcount


def stored_thread_ids() -> list[int]:
    return list(db.session.scalars(select(ThreadVector.thread_id).distinct()))


def count(model: str | None = None) -> int:
    query = select(func.count()).select_from(ThreadVector)
    if model:
        query = query.where(ThreadVector.model == model)
    return db.session.scalar(query) or 0
