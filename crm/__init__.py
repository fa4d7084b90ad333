"""The CRM boundary: contact links, knowledge sync, connectors (local, webhook, and others
registered in crm.connectors), the transactional outbox and its relay."""
import threading


def init_app(app) -> None:
    """Load the CRM's tables and receivers, its CLI group and, if asked, the relay thread."""
    from crm import models, outbox  # noqa: F401  (tables; outbox receivers)
    from crm import cases, inbound_models  # noqa: F401  (case rows and handler; receipts)
    from crm.cli import crm_cli
    from crm.cases_cli import answer_target, escalate_stale
    crm_cli.add_command(escalate_stale)
    crm_cli.add_command(answer_target)
    app.cli.add_command(crm_cli)
    if app.config["CRM_RELAY_THREAD"] and not app.config.get("TESTING"):
        _start_relay_on_first_request(app)


def _start_relay_on_first_request(app) -> None:
    """Only a process that serves requests relays (not `flask db upgrade` or `crm sync`)."""
    started, lock = [], threading.Lock()

    @app.before_request
    def _relay_thread():
        if started:
            return
        with lock:
            if not started:
                from crm.relay import start_thread
                start_thread(app)
                started.append(True)
