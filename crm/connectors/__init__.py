"""The connector registry: CRM_CONNECTOR names one of these factories (`fn(app) -> connector`).

Adding a connector is one line: `register("name", factory)`.
"""
from collections.abc import Callable

from flask import current_app

from crm.connector import CrmConnector

_factories: dict[str, Callable] = {}
_EXTENSION = "commonplace.crm_connector"


def register(name: str, factory: Callable) -> None:
    _factories[name] = factory


def names() -> list[str]:
    return sorted(_factories)


def get_connector(app=None) -> CrmConnector:
    """The app's connector (built once per app from CRM_CONNECTOR)."""
    app = app or current_app._get_current_object()
    connector = app.extensions.get(_EXTENSION)
    if connector is None:
        name = app.config.get("CRM_CONNECTOR", "local")
        if name not in _factories:
            raise RuntimeError(f"CRM_CONNECTOR={name!r}: not one of {', '.join(names())}")
        connector = app.extensions[_EXTENSION] = _factories[name](app)
    return connector


def reset(app=None) -> None:
    """Forget the built connector (tests that change CRM_CONNECTOR or its settings)."""
    (app or current_app).extensions.pop(_EXTENSION, None)


def _local(app):
    from crm.connectors.local import LocalConnector
    return LocalConnector(app)


def _webhook(app):
    from crm.connectors.webhook import WebhookConnector
    return WebhookConnector.from_config(app.config)


def _salesforce(app):
    from crm.connectors.salesforce import SalesforceConnector
    return SalesforceConnector.from_config(app.config)


register("local", _local)
register("webhook", _webhook)
register("salesforce", _salesforce)
