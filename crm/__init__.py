"""The CRM boundary: contact links, knowledge sync, connectors (local, webhook, and others
registered in crm.connectors), the transactional outbox and its relay."""


def init_app(app) -> None:
    """Load the CRM's tables and receivers, its CLI group and, if asked, the in-process relay."""
    from crm import models, outbox  # noqa: F401  (tables; outbox receivers)
    from crm import cases, inbound_models  # noqa: F401  (case rows and handler; receipts)
    from crm.cli import crm_cli
    from crm.cases_cli import answer_target, escalate_stale
    crm_cli.add_command(escalate_stale)
    crm_cli.add_command(answer_target)
    app.cli.add_command(crm_cli)
    if app.config["CRM_RELAY_THREAD"] and not app.config.get("TESTING"):
        relay_in_process(app)


def relay_in_process(app, seconds: float = 1.0) -> None:
    """Run the relay as a task of the scheduler of each process that serves requests (started
    on its first request, so not in `flask db upgrade` or `crm sync`)."""
    from core.consumers import in_process
    from crm import relay
    in_process(app, relay.TASK, relay.Step(), seconds)
