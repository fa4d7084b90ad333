"""Write transactions: one service call is one transaction, and its events go out after commit."""
from contextvars import ContextVar
from functools import wraps

from sqlalchemy.exc import IntegrityError
from werkzeug.local import LocalProxy

from core.database import db, write_intent
from core.errors import Conflict
from core.events import PENDING
_depth: ContextVar[int] = ContextVar("commonplace_tx_depth", default=0)


def _real(value):
    # Callers may pass Flask-Login's current_user; services keep, compare and refresh the
    # actor as a mapped object, so they get the object behind the proxy.
    return value._get_current_object() if isinstance(value, LocalProxy) else value


def transactional(fn):
    """Run a service function in its own write transaction; nested calls join the outer one."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        args = tuple(_real(a) for a in args)
        kwargs = {k: _real(v) for k, v in kwargs.items()}
        if _depth.get():
            return fn(*args, **kwargs)
        session = db.session()
        if session.in_transaction():
            session.commit()  # close the request's read transaction before writing
        intent, depth = write_intent.set(True), _depth.set(1)
        try:
            result = fn(*args, **kwargs)
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            session.info.pop(PENDING, None)
            raise Conflict("That conflicts with something that already exists.") from exc
        except BaseException:
            session.rollback()
            session.info.pop(PENDING, None)
            raise
        finally:
            write_intent.reset(intent)
            _depth.reset(depth)
        for signal, sender, kwargs_ in session.info.pop(PENDING, []):
            signal.send(sender, **kwargs_)
        return result

    return wrapper
