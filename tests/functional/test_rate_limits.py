"""Rate limits count per account when signed in and per client address otherwise; behind
TRUSTED_PROXIES the address is the one the proxy saw."""
from app.factory import create_app
from core.database import db
from community import services
from tests import factories
from tests.conftest import _base_config


def _answer(api, token, thread_id, n, address="10.0.0.1"):
    return api.post(f"/threads/{thread_id}/answers", token,
                    json={"body": f"Answer number {n} with enough text."},
                    environ_base={"REMOTE_ADDR": address})


def test_signed_in_limits_follow_the_account_not_the_address(app, api):
    thread = factories.thread()
    first, second = factories.user(), factories.user()
    one, two = services.issue_token(first), services.issue_token(second)
    # The same account from ever-new addresses still runs out (30 answers a minute)...
    statuses = [_answer(api, one, thread.id, n, f"10.0.{n // 250}.{n % 250}").status_code
                for n in range(31)]
    assert statuses[:30] == [201] * 30 and statuses[30] == 429
    # ...while another account behind the same address has its own allowance.
    assert _answer(api, two, thread.id, 99).status_code == 201


def test_anonymous_limits_use_the_forwarded_address_only_behind_trusted_proxies(tmp_path, app):
    def token_calls(client, forwarded):
        # A different login each time: the per-account sign-in lockout stays out of the way.
        return [client.post("/api/v1/auth/token",
                            json={"email": f"{forwarded}-{n}@example.com", "password": "p"},
                            headers={"X-Forwarded-For": forwarded}).status_code
                for n in range(11)]

    direct = app.test_client()
    # Without a trusted proxy, X-Forwarded-For is ignored: one client, one allowance.
    assert token_calls(direct, "203.0.113.1")[-1] == 429
    assert token_calls(direct, "203.0.113.2")[-1] == 429
    # The suite's settings, with its cheap Argon2id: an unknown login is verified against a
    # dummy hash, at production cost otherwise (8 s of this test).
    proxied_app = create_app({**_base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]),
                              "TRUSTED_PROXIES": 1})
    with proxied_app.app_context():
        proxied = proxied_app.test_client()
        assert 429 in token_calls(proxied, "203.0.113.7")
        assert token_calls(proxied, "203.0.113.8")[0] != 429  # another client behind the proxy
        db.session.remove()
