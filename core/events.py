"""The event log: services emit events inside their transaction; receivers run after commit."""
PENDING = "commonplace.pending_events"


def emit(session, signal, sender, **kwargs) -> None:
    """Queue a signal on the session; the transaction wrapper sends it once the commit succeeds."""
    session.info.setdefault(PENDING, []).append((signal, sender, kwargs))
