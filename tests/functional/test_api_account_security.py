"""Accounts that can be trusted, through the API: PATCH /me, the caller's own tokens, password
reset by mail, the sign-in lockout on POST /auth/token, and clear 4xx for bad input."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.database import db
from core.time import utcnow
from community.models import AccountToken, ApiToken, SignInThrottle, User
from community.services import accounts
from tests import factories
from tests.conftest import WebClient

PUBLIC = "http://127.0.0.1:5000"



def reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_patch_me_password_revokes_other_tokens_and_sessions_but_not_this_token(app, api):
    user = factories.user(username="ivy")
    this, other = api.token_for("ivy@example.com"), api.token_for("ivy@example.com")
    browser = WebClient(app.test_client())
    browser.login("ivy")
    response = api.patch("/me", this, json={"current_password": factories.PASSWORD,
                                            "password": "new-password-123"})
    assert response.status_code == 200 and response.json["id"] == user.id
    assert api.get("/me", this).status_code == 200
    assert api.get("/me", other).status_code == 401
    assert browser.get("/settings").status_code == 302  # the web session ended
    assert api.post("/auth/token", json={"email": "ivy@example.com",
                                         "password": factories.PASSWORD}).status_code == 401
    api.token_for("ivy@example.com", "new-password-123")


def test_patch_me_refuses_a_wrong_current_password_and_unknown_fields(api):
    user = factories.user(username="jon")
    token = api.token_for("jon@example.com")
    wrong = api.patch("/me", token, json={"current_password": "not-it-at-all",
                                          "password": "new-password-123"})
    assert wrong.status_code == 422 and "current_password" in wrong.json["errors"]
    unknown = api.patch("/me", token, json={"current_password": factories.PASSWORD,
                                            "role": "admin", "is_super_user": True})
    assert unknown.status_code == 422
    assert set(unknown.json["errors"]) == {"role", "is_super_user"}
    typed = api.patch("/me", token, json={"current_password": factories.PASSWORD,
                                          "email": 5, "password": ["x"]})
    assert typed.status_code == 422 and set(typed.json["errors"]) == {"email", "password"}
    assert api.patch("/me", json={"current_password": "x", "password": "y"}).status_code == 401
    assert reload(user).role == "member"
    assert accounts.password_matches(reload(user), factories.PASSWORD)


def test_patch_me_email_counts_once_confirmed_by_mail(app, api, mailbox):
    user = factories.user(username="kit")
    token = api.token_for("kit@example.com")
    response = api.patch("/me", token, json={"current_password": factories.PASSWORD,
                                             "email": "kit@new.example"})
    assert response.status_code == 200
    assert response.json["email"] == "kit@example.com"
    assert response.json["pending_email"] == "kit@new.example"
    assert len(mailbox.to("kit@example.com")) == 1  # the old address is told
    link = mailbox.link("kit@new.example", "/email/confirm/")
    assert link.startswith(f"{PUBLIC}/email/confirm/")
    assert reload(user).email == "kit@example.com"

    web = WebClient(app.test_client())
    assert web.post(link.removeprefix(PUBLIC)).status_code == 302
    me = api.get("/me", token).json
    assert me["email"] == "kit@new.example" and me["pending_email"] is None


def test_an_address_taken_before_confirmation_is_a_409(app, api, mailbox):
    factories.user(username="lee")
    token = api.token_for("lee@example.com")
    api.patch("/me", token, json={"current_password": factories.PASSWORD,
                                  "email": "wanted@example.com"})
    factories.user(username="wanted")  # registers wanted@example.com meanwhile
    link = mailbox.link("wanted@example.com", "/email/confirm/")
    web = WebClient(app.test_client())
    assert web.post(link.removeprefix(PUBLIC)).status_code == 409
    taken = api.patch("/me", token, json={"current_password": factories.PASSWORD,
                                          "email": "WANTED@example.com"})
    assert taken.status_code == 409 and "email" in taken.json["errors"]


def test_my_tokens_are_listed_without_secrets_created_and_revoked(api):
    user, other = factories.user(username="max"), factories.user(username="ned")
    token = api.token_for("max@example.com")
    created = api.post("/me/tokens", token, json={"name": "CI deploys"})
    assert created.status_code == 201
    secret, token_id = created.json["token"], created.json["id"]
    assert created.headers["Location"].endswith(f"/api/v1/me/tokens/{token_id}")
    assert api.get("/me", secret).json["id"] == user.id
    from community import viewcounts
    viewcounts.flush()  # token use is spooled off the request path, then written

    listed = api.get("/me/tokens", token).json
    assert [t["name"] for t in listed["items"]] == ["CI deploys", "Signed in through the API"]
    assert all(set(t) == {"id", "name", "created_at", "last_used_at"} for t in listed["items"])
    assert listed["items"][0]["last_used_at"] is not None
    assert secret not in str(listed)

    theirs = api.token_for("ned@example.com")
    their_id = api.get("/me/tokens", theirs).json["items"][0]["id"]
    assert api.delete(f"/me/tokens/{their_id}", token).status_code == 404
    assert api.get("/me", theirs).status_code == 200
    assert api.delete(f"/me/tokens/{token_id}", token).status_code == 204
    assert api.get("/me", secret).status_code == 401
    assert api.delete(f"/me/tokens/{token_id}", token).status_code == 404
    assert api.post("/me/tokens", token, json={"name": ""}).status_code == 422
    assert api.post("/me/tokens", token, json={"name": "x", "scope": "all"}).status_code == 422
    assert api.get("/me/tokens").status_code == 401
    assert other.id != user.id


def test_password_reset_answers_the_same_mails_a_single_use_link_and_revokes_all(app, api,
                                                                                  mailbox):
    user = factories.user(username="ora")
    token = api.token_for("ora@example.com")
    browser = WebClient(app.test_client())
    browser.login("ora")
    known = api.post("/auth/password-reset", json={"email": "ora@example.com"})
    unknown = api.post("/auth/password-reset", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json == unknown.json
    assert mailbox.to("nobody@example.com") == []
    link = mailbox.link("ora@example.com", "/password/reset/")
    secret = link.removeprefix(f"{PUBLIC}/password/reset/")

    confirm = {"token": secret, "password": "reset-by-api-1"}
    assert api.post("/auth/password-reset/confirm", json=confirm).status_code == 204
    assert api.get("/me", token).status_code == 401
    assert browser.get("/settings").status_code == 302
    api.token_for("ora@example.com", "reset-by-api-1")
    again = api.post("/auth/password-reset/confirm", json=confirm | {"password": "another-one-2"})
    assert again.status_code == 422 and "token" in again.json["errors"]
    assert accounts.password_matches(reload(user), "reset-by-api-1")


def test_expired_and_unknown_reset_tokens_are_refused(api, mailbox):
    user = factories.user(username="pam")
    api.post("/auth/password-reset", json={"email": "pam@example.com"})
    secret = mailbox.link("pam@example.com", "/password/reset/").rsplit("/", 1)[1]
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = api.post("/auth/password-reset/confirm",
                       json={"token": secret, "password": "too-late-now"})
    assert expired.status_code == 422 and "expired" in expired.json["errors"]["token"][0]
    for bad in ("nope", "", None, 7, "x" * 500):
        response = api.post("/auth/password-reset/confirm",
                            json={"token": bad, "password": "password-ok-1"})
        assert response.status_code == 422, bad
    assert accounts.password_matches(reload(user), factories.PASSWORD)
    assert db.session.scalar(select(AccountToken.used_at)) is None


def test_password_reset_requests_are_rate_limited(api):
    statuses = [api.post("/auth/password-reset", json={"email": f"a{n}@example.com"}).status_code
                for n in range(6)]
    assert statuses == [202] * 5 + [429]


def test_token_endpoint_locks_an_account_from_the_failing_address(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LOCKOUT_FAILURES", 4)
    factories.user(username="quy")
    for _ in range(4):
        assert api.post("/auth/token", json={"email": "quy@example.com", "password": "wrong-1"},
                        environ_base={"REMOTE_ADDR": "10.1.0.1"}).status_code == 401
    locked = api.post("/auth/token", json={"email": "quy@example.com",
                                           "password": factories.PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.1.0.1"})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 800
    for _ in range(4):
        api.post("/auth/token", json={"email": "nobody@example.com", "password": "wrong-1"},
                 environ_base={"REMOTE_ADDR": "10.2.0.1"})
    ghost = api.post("/auth/token", json={"email": "nobody@example.com", "password": "wrong-1"},
                     environ_base={"REMOTE_ADDR": "10.2.0.1"})
    assert ghost.status_code == 429 and ghost.json["detail"] == locked.json["detail"]
    # The owner elsewhere is not locked out by those guesses.
    assert api.post("/auth/token", json={"email": "quy@example.com",
                                         "password": factories.PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.3.0.1"}).status_code == 200
    # Fifteen minutes later (the lock's time written back), the right password works again.
    db.session.execute(update(SignInThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert api.post("/auth/token", json={"email": "quy@example.com",
                                         "password": factories.PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.1.0.1"}).status_code == 200


def test_wrong_current_passwords_count_toward_the_lockout(api):
    factories.user(username="ray")
    token = api.token_for("ray@example.com")
    for _ in range(10):
        assert api.patch("/me", token, json={"current_password": "guess-guess",
                                             "password": "new-password-1"}).status_code == 422
    locked = api.patch("/me", token, json={"current_password": factories.PASSWORD,
                                           "password": "new-password-1"})
    assert locked.status_code == 429 and "Retry-After" in locked.headers


@pytest.mark.parametrize("body,field", [
    ({"email": "sam@example.com", "password": "pass\ud800word"}, "password"),
    ({"email": "sam@example.com", "password": "pass\x00word"}, "password"),
])
def test_unencodable_passwords_at_sign_in_are_422(api, body, field):
    factories.user(username="sam")
    response = api.post("/auth/token", json=body)
    assert response.status_code == 422 and field in response.json["errors"]


@pytest.mark.parametrize("body,fields", [
    ({"username": "tia", "email": "tia@example.com", "password": "long-enough\ud800"},
     {"password"}),
    ({"username": "tia", "email": "tia\x00@example.com", "password": "long-enough"}, {"email"}),
    ({"username": "tia", "email": "t\udfffia@example.com", "password": "long-enough"}, {"email"}),
    ({"username": "tia", "email": "tia@example.com, evil@example.com", "password": "long-enough"},
     {"email"}),
])
def test_unencodable_registration_fields_are_422_and_nothing_is_written(api, body, fields):
    response = api.post("/users", json=body)
    assert response.status_code == 422 and set(response.json["errors"]) == fields
    assert db.session.scalar(select(User)) is None


def test_bad_characters_in_reset_and_account_changes_are_422(api):
    factories.user(username="uri")
    token = api.token_for("uri@example.com")
    assert api.post("/auth/password-reset", json={"email": "uri\ud800@example.com"}
                    ).status_code == 422
    assert api.post("/auth/password-reset/confirm",
                    json={"token": "abc", "password": "nul\x00-password"}).status_code == 422
    for body in ({"current_password": "a\ud800b", "password": "new-password-1"},
                 {"current_password": factories.PASSWORD, "password": "new\x00password"},
                 {"current_password": factories.PASSWORD, "email": "u\x00@example.com"}):
        assert api.patch("/me", token, json=body).status_code == 422, body
    assert db.session.scalar(select(ApiToken.id)) is not None  # nothing was revoked
