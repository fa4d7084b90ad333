"""`reputation recompute`: every total is 1 + the sum of its ledger rows, whatever their reason
(votes, accepts, an import's opening balance); badges are what their rules say. Drift is
reported and repaired."""
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from community.models import User
from core import consumers
from core.database import db
from core.events import emit
from core.transactions import transactional
from reputation import badges
from reputation.ledger import FLOOR, REPUTATION_CHANGED
from reputation.models import ReputationEvent


@dataclass
class Drift:
    totals: list[tuple[int, str, int, int]] = field(default_factory=list)  # id, name, was, is
    awarded: list[tuple] = field(default_factory=list)
    revoked: list[tuple] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.totals or self.awarded or self.revoked)


@transactional
def repair_totals() -> list[tuple[int, str, int, int]]:
    """Set every drifted total to 1 + its ledger (one grouped query finds them)."""
    ledger = (select(ReputationEvent.user_id, func.sum(ReputationEvent.delta).label("net"))
              .group_by(ReputationEvent.user_id).subquery())
    expected = FLOOR + func.coalesce(ledger.c.net, 0)
    rows = db.session.execute(
        select(User.id, User.username, User.reputation, expected)
        .outerjoin(ledger, ledger.c.user_id == User.id)
        .where(User.reputation != expected).order_by(User.id).with_for_update(of=User)).all()
    for user_id, _, was, should in rows:
        db.session.execute(update(User).where(User.id == user_id).values(reputation=should)
                           .execution_options(synchronize_session=False))
        emit(REPUTATION_CHANGED, user_id=user_id, delta=should - was, reason="recomputed")
    return [tuple(r) for r in rows]


def recompute() -> Drift:
    """Catch the badges consumer up (what it awards is not drift), then repair what is left."""
    if "badges" in consumers.registered():
        consumers.run_until_caught_up("badges")
    drift = Drift(totals=repair_totals())
    drift.awarded, drift.revoked = badges.award(None)
    return drift
