"""A user's reputation over time as the numbers of a server-rendered SVG line (no JS needed)."""
from dataclasses import dataclass

from sqlalchemy import func, select

from core.database import db
from reputation.ledger import FLOOR
from reputation.models import ReputationEvent

WIDTH, HEIGHT, PAD = 600, 160, 8


@dataclass
class Chart:
    points: str          # the polyline's "x,y x,y ..." in the viewBox
    first_day: str
    last_day: str
    low: int
    high: int
    width: int = WIDTH
    height: int = HEIGHT


def reputation_chart(user_id: int) -> Chart | None:
    """The running total at the end of each day with a change (one grouped query)."""
    day = func.date(ReputationEvent.created_at)
    rows = db.session.execute(select(day, func.sum(ReputationEvent.delta))
                              .where(ReputationEvent.user_id == user_id)
                              .group_by(day).order_by(day)).all()
    if not rows:
        return None
    totals, running = [FLOOR], FLOOR
    for _, delta in rows:
        running += int(delta or 0)
        totals.append(running)
    low, high = min(totals), max(totals)
    span_x, span_y = max(1, len(totals) - 1), max(1, high - low)
    points = " ".join(
        f"{PAD + i * (WIDTH - 2 * PAD) / span_x:.1f},"
        f"{HEIGHT - PAD - (t - low) * (HEIGHT - 2 * PAD) / span_y:.1f}"
        for i, t in enumerate(totals))
    return Chart(points, str(rows[0][0])[:10], str(rows[-1][0])[:10], low, high)
