"""The ask form's "Check for similar questions" step (the page without JavaScript; with it,
static/similar.js asks GET /api/v1/search/similar as the title is typed)."""
from core.errors import ValidationFailed
from search.similar import checked_question, similar_threads

SHOWN = 5


def similar_step(user, form) -> tuple[dict | None, int, list]:
    """(errors, status, similar threads) for the ask form re-rendered with its input kept."""
    try:
        title, body = checked_question(form.get("title"), form.get("body"))
    except ValidationFailed as exc:
        return exc.errors, 422, []
    return None, 200, similar_threads(user, title, body, limit=SHOWN)
