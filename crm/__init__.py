"""The CRM boundary: contact links, knowledge sync, connectors (local, webhook, and others
registered in crm.connectors), the transactional outbox and its relay."""


def init_app(app) -> None:
    """Load the CRM's tables and receivers, its CLI group and, if asked, the relay thread."""
    from crm import models, outbox  # noqa: F401  (tables; outbox receivers)
    from crm import cases, inbound_models  # noqa: F401  (case rows and handler; receipts)
    from crm.cli import crm_cli
    app.config.setdefault("CRM_RELAY_THREAD", False)
    app.config.setdefault("CRM_RELAY_MAX_ATTEMPTS", 8)
    app.config.setdefault("CRM_RELAY_BACKOFF_BASE", 2.0)
    app.config.setdefault("CRM_RELAY_BACKOFF_MAX", 3600.0)
    app.config.setdefault("CRM_RELAY_BATCH", 50)
    app.config.setdefault("CRM_HTTP_TIMEOUT", 5.0)
    from crm.cases_cli import answer_target, escalate_stale
    crm_cli.add_command(escalate_stale)
    crm_cli.add_command(answer_target)
    app.cli.add_command(crm_cli)
    if app.config["CRM_RELAY_THREAD"] and not app.config.get("TESTING"):
        from crm.relay import start_thread
        start_thread(app)
