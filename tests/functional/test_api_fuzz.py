"""Fuzzing API v1 from its own OpenAPI document with schemathesis: no generated request (valid or
not) may get a 5xx, and every response must be one the document promises, shaped as promised.

In-process against the WSGI app (no network), derandomised (the same examples every run), a few
dozen examples per operation on one database for the module, so the file runs in well under a
minute; on SQLite and, with DATABASE_URL set, on PostgreSQL.
"""
import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from app.api import load_routes
from app.api.openapi import document
from tests import factories
from tests.conftest import Api, app_on

MAX_EXAMPLES = 20  # per operation, after schemathesis's own boundary cases
# Semantic refusals (an answer from another thread, a stale cursor) are 4xx by design, not
# "valid data rejected"; methods a route lacks are plain 405s, not worth a line each.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"unexpected-methods": []}},
                                       "checks": {"positive_data_acceptance": {"enabled": False}}})
# The document comes from the route registry alone: no app or database is needed to read it.
load_routes()  # every route, before the document is built (and cached) at collection
schema = schemathesis.openapi.from_dict(document(), config=CONFIG)
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def fuzzed(database_template, tmp_path_factory):
    """One app and database for every operation, seeded so that small generated ids exist."""
    with app_on(database_template, tmp_path_factory.mktemp("fuzz")) as app:
        asker, admin = factories.user(), factories.admin()
        factories.answer(factories.thread(asker))
        yield app, Api(app.test_client()).token_for(admin.email)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_breaks_the_api(fuzzed, case):
    app, admin_token = fuzzed
    case.operation.schema.app = app  # the check that retries without the token calls it too
    n = next(_addresses)  # each request from its own address: rate limits stay on, unreached
    # A third of the calls go without a token; so does every case whose headers are generated
    # to break the document (e.g. leave out a required Authorization): adding a good token
    # there would turn the case into a valid request and its 200 into a false failure.
    broken_headers = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    headers = {"Authorization": f"Bearer {admin_token}"} if n % 3 and not broken_headers else {}
    case.call_and_validate(app=app, headers=headers, environ_base={
        "REMOTE_ADDR": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"})
