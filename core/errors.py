"""Domain errors (raised by services and policies) and their problem+json form; imports nothing of ours."""


class DomainError(Exception):
    """An error a user caused; carries the HTTP status it maps to."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str = "", errors: dict | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}

    def to_problem(self) -> dict:
        problem = {"type": "about:blank", "title": self.title, "status": self.status,
                   "detail": self.detail}
        if self.errors:
            problem["errors"] = self.errors
        return problem


class BadRequest(DomainError):
    status, title = 400, "Bad request"


class Unauthorized(DomainError):
    status, title = 401, "Unauthorized"


class PermissionDenied(DomainError):
    status, title = 403, "Forbidden"


class NotFound(DomainError):
    status, title = 404, "Not found"


class Conflict(DomainError):
    status, title = 409, "Conflict"


class TooMany(DomainError):
    """A limit on how much one may do in a period (posts per day); says when to come back."""

    status, title = 429, "Too many requests"

    def __init__(self, detail: str, retry_after: int = 3600):
        super().__init__(detail)
        self.retry_after = retry_after


class Busy(DomainError):
    """The database could not take the write now (a deadlock twice, or a lock wait ran out)."""

    status, title = 503, "Service busy"
    retry_after = 2


class ValidationFailed(DomainError):
    """One or more fields are invalid; `errors` maps each field to its messages."""

    status, title = 422, "Validation failed"

    def __init__(self, errors: dict, detail: str = ""):
        fields = ", ".join(sorted(errors))
        super().__init__(detail or f"Invalid fields: {fields}", errors)


def problem(status: int, title: str, detail: str = "", **extra) -> dict:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    body.update(extra)
    return body
