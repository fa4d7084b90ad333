"""Accounts that can be trusted, on the web: stolen cookies die with a password change, a reset
or "sign out everywhere"; reset and email-change links are mailed, single use and expiring;
named API tokens; the per-account sign-in lockout; hashing cost from config."""
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from app.config import load_config
from core.database import db
from core.time import utcnow
from community.models import AccountToken, ApiToken, SignInThrottle, User
from community.services import accounts
from tests import factories
from tests.conftest import WebClient

REMEMBER = "remember_token"


def sign_in(app, login: str, password: str = factories.PASSWORD, remember: bool = True):
    web = WebClient(app.test_client())
    response = web.post("/login", {"login": login, "password": password,
                                   "remember": "1" if remember else ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    web._token = None
    return web


def steal(app, web: WebClient, *names: str):
    """Another browser holding copies of `web`'s cookies (an attacker's)."""
    thief = app.test_client()
    for name in names:
        cookie = web.client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to steal"
        thief.set_cookie(name, cookie.value, domain="localhost")
    return thief


def signed_in(client) -> bool:
    return client.get("/settings").status_code == 200


def reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# ---- hashing -------------------------------------------------------------------------------

def test_production_hashing_cost_is_argon2_cffi_rfc_9106_low_memory(tmp_path):
    config = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert (config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_COST"],
            config["PASSWORD_HASH_PARALLELISM"]) == (3, 65536, 4)


def test_hashes_and_the_dummy_use_the_configured_cost_and_old_hashes_are_upgraded(app, web):
    user = factories.user(username="hasher")
    assert user.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert accounts._hashing()[1].startswith("$argon2id$v=19$m=8,t=1,p=1$")
    app.config.update(PASSWORD_HASH_TIME_COST=2, PASSWORD_HASH_MEMORY_COST=16)
    assert accounts._hashing()[1].startswith("$argon2id$v=19$m=16,t=2,p=1$")
    web.login("hasher")  # signing in re-hashes at the new cost
    assert reload(user).password_hash.startswith("$argon2id$v=19$m=16,t=2,p=1$")


# ---- session stamps --------------------------------------------------------------------------

def test_stolen_cookies_stop_working_after_a_password_change_but_this_session_stays(app):
    user = factories.user(username="pia")
    web = sign_in(app, "pia")
    session_thief = steal(app, web, "session")
    remember_thief = steal(app, web, REMEMBER)
    assert signed_in(session_thief) and signed_in(remember_thief)
    token = factories_token(user)

    response = web.post("/settings/password", {"current_password": factories.PASSWORD,
                                               "password": "a-brand-new-password"})
    assert response.status_code == 302
    assert signed_in(web.client)  # this browser stays signed in ...
    assert not signed_in(session_thief) and not signed_in(remember_thief)  # ... no other
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    # This browser's own remember-me cookie was renewed with the new stamp.
    assert signed_in(steal(app, web, REMEMBER))


def test_sign_out_everywhere_ends_every_session_and_revokes_api_tokens(app):
    user = factories.user(username="quin")
    web = sign_in(app, "quin")
    thieves = [steal(app, web, "session"), steal(app, web, REMEMBER)]
    token = factories_token(user)
    response = web.post("/settings/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not signed_in(web.client)
    assert not any(signed_in(thief) for thief in thieves)
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id)) is None
    sign_in(app, "quin")  # the password still works


def test_plain_sign_out_clears_remember_me_and_keeps_other_devices(app):
    user = factories.user(username="rue")
    phone, laptop = sign_in(app, "rue"), sign_in(app, "rue")
    token = factories_token(user)
    response = laptop.post("/logout")
    assert f"{REMEMBER}=;" in " ".join(response.headers.getlist("Set-Cookie"))
    assert not signed_in(laptop.client)
    assert signed_in(phone.client)
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_a_cookie_from_before_stamps_signs_nobody_in(app):
    user = factories.user(username="sol")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what a session held before stamps
        session["_fresh"] = True
    assert not signed_in(client)


# ---- password reset --------------------------------------------------------------------------

def test_password_reset_by_mail_ends_every_session_and_is_single_use(app, web, mailbox):
    user = factories.user(username="tess")
    victim_browser = sign_in(app, "tess")
    thief = steal(app, victim_browser, REMEMBER)
    token = factories_token(user)

    response = web.post("/password/forgot", {"email": "TESS@example.com"})
    assert response.status_code == 302
    link = mailbox.link("tess@example.com", "/password/reset/")
    assert link.startswith("http://127.0.0.1:5000/password/reset/")
    path = link.removeprefix("http://127.0.0.1:5000")
    assert "Choose a new password" in web.get(path).get_data(as_text=True)
    assert web.post(path, {"password": "reset-password-1"}).status_code == 302

    assert not signed_in(victim_browser.client) and not signed_in(thief)
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert web.post("/login", {"login": "tess", "password": factories.PASSWORD}).status_code == 401
    sign_in(app, "tess", "reset-password-1")
    again = web.post(path, {"password": "reset-password-2"})
    assert again.status_code == 422 and "already been used" in again.get_data(as_text=True)
    assert accounts.password_matches(reload(user), "reset-password-1")


def test_forgot_password_answers_the_same_for_unknown_addresses(web, mailbox):
    factories.user(username="uma")
    known = web.post("/password/forgot", {"email": "uma@example.com"})
    unknown = web.post("/password/forgot", {"email": "nobody@example.com"})
    assert (known.status_code, known.headers["Location"]) == \
        (unknown.status_code, unknown.headers["Location"])
    flashes = [web.get(known.headers["Location"]).get_data(as_text=True)]
    assert "If that address has an account" in flashes[0]
    assert len(mailbox.to("uma@example.com")) == 1 and mailbox.to("nobody@example.com") == []


def test_an_expired_reset_link_is_refused(app, web, mailbox):
    user = factories.user(username="vic")
    web.post("/password/forgot", {"email": "vic@example.com"})
    path = mailbox.link("vic@example.com", "/password/reset/").removeprefix(
        "http://127.0.0.1:5000")
    # Move the clock: the link was made 61 minutes ago.
    db.session.execute(update(AccountToken).values(
        created_at=utcnow() - timedelta(minutes=61), expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = web.post(path, {"password": "too-late-password"})
    assert response.status_code == 422 and "expired" in response.get_data(as_text=True)
    assert accounts.password_matches(reload(user), factories.PASSWORD)
    assert web.post("/password/reset/not-a-real-token",
                    {"password": "whatever-password"}).status_code == 422


def test_reset_mails_per_account_are_capped(web, mailbox):
    factories.user(username="wen")
    for _ in range(5):
        assert web.post("/password/forgot", {"email": "wen@example.com"}).status_code == 302
    assert len(mailbox.to("wen@example.com")) == 3


def test_without_mail_server_each_message_is_an_eml_file(app, web):
    factories.user(username="xia")
    web.post("/password/forgot", {"email": "xia@example.com"})
    files = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "To: xia@example.com" in text and "/password/reset/" in text


# ---- email change ----------------------------------------------------------------------------

def test_email_change_counts_only_once_confirmed_and_tells_the_old_address(app, mailbox):
    user = factories.user(username="yan")
    web = sign_in(app, "yan")
    wrong = web.post("/settings/email", {"email": "yan@new.example", "current_password": "nope-nope"})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    assert mailbox.messages == []

    assert web.post("/settings/email", {"email": "Yan@New.example",
                                        "current_password": factories.PASSWORD}).status_code == 302
    assert "yan@new.example" in web.get("/settings").get_data(as_text=True)  # pending
    assert reload(user).email == "yan@example.com"
    assert WebClient(app.test_client()).post("/login", {
        "login": "yan@new.example", "password": factories.PASSWORD}).status_code == 401
    notice = mailbox.to("yan@example.com")[0].get_body(("plain",)).get_content()
    assert "yan@new.example" in notice and "/password/forgot" in notice

    path = mailbox.link("yan@new.example", "/email/confirm/").removeprefix("http://127.0.0.1:5000")
    assert web.post(path).status_code == 302
    assert reload(user).email == "yan@new.example"
    sign_in(app, "yan@new.example")
    assert web.post(path).status_code == 422  # single use


def test_email_confirmation_link_expires(app, mailbox):
    user = factories.user(username="zed")
    web = sign_in(app, "zed")
    web.post("/settings/email", {"email": "zed@new.example", "current_password": factories.PASSWORD})
    path = mailbox.link("zed@new.example", "/email/confirm/").removeprefix("http://127.0.0.1:5000")
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = web.post(path)
    assert response.status_code == 422 and "expired" in response.get_data(as_text=True)
    assert reload(user).email == "zed@example.com"


def test_password_change_needs_the_current_password(app):
    user = factories.user(username="abe")
    web = sign_in(app, "abe")
    response = web.post("/settings/password", {"current_password": "wrong-password",
                                               "password": "another-password"})
    assert response.status_code == 422
    short = web.post("/settings/password", {"current_password": factories.PASSWORD,
                                            "password": "short"})
    assert short.status_code == 422 and 'id="password-error"' in short.get_data(as_text=True)
    assert accounts.password_matches(reload(user), factories.PASSWORD)


def test_settings_forms_need_csrf_and_sign_in(app, client):
    factories.user(username="bob")
    web = sign_in(app, "bob")
    for url in ("/settings/password", "/settings/email", "/settings/sign-out-everywhere",
                "/settings/tokens"):
        assert web.client.post(url, data={"current_password": factories.PASSWORD}).status_code == 400
    assert client.get("/settings").status_code == 302
    assert client.get("/settings/tokens").status_code == 302


# ---- API tokens page -------------------------------------------------------------------------

def test_tokens_page_shows_the_secret_once_and_revokes(app):
    user, other = factories.user(username="cyd"), factories.user()
    web = sign_in(app, "cyd")
    page = web.post("/settings/tokens", {"name": "Deploy script"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token" readonly value="(cp_[^"]+)"',
                       page.get_data(as_text=True)).group(1)
    listing = web.get("/settings/tokens").get_data(as_text=True)
    assert "Deploy script" in listing and secret not in listing and "never used" in listing
    api = app.test_client()
    assert api.get("/api/v1/me", headers=bearer(secret)).json["id"] == user.id
    from community import viewcounts
    viewcounts.flush()  # token use is spooled off the request path, then written
    assert "last used" in web.get("/settings/tokens").get_data(as_text=True)

    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    theirs = factories_token(other)
    their_row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == other.id))
    assert web.post(f"/settings/tokens/{their_row.id}/revoke").status_code == 404
    assert api.get("/api/v1/me", headers=bearer(theirs)).status_code == 200
    assert web.post(f"/settings/tokens/{row.id}/revoke").status_code == 302
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert web.post("/settings/tokens", {"name": "  "}).status_code == 422


def test_settings_and_tokens_are_linked_from_the_header_and_profile(app):
    user = factories.user(username="dee")
    web = sign_in(app, "dee")
    assert 'href="/settings"' in web.get("/").get_data(as_text=True)
    profile = web.get(f"/u/{user.id}/dee").get_data(as_text=True)
    assert 'href="/settings/tokens"' in profile


# ---- lockout ---------------------------------------------------------------------------------

def fail_sign_ins(web, login: str, times: int, address: str = "10.0.0.1"):
    """Failed sign-ins from one client address."""
    for _ in range(times):
        response = web.post("/login", {"login": login, "password": "wrong-password"},
                            environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 401


def test_failures_lock_the_account_from_that_address_with_the_same_message_as_an_unknown_one(
        app, web, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LOCKOUT_FAILURES", 4)
    factories.user(username="eli")
    fail_sign_ins(web, "eli", 2)
    fail_sign_ins(web, "eli@example.com", 2)  # email and username count together
    locked = web.post("/login", {"login": "eli", "password": factories.PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    fail_sign_ins(web, "ghost@example.com", 4, "10.0.0.2")
    ghost = web.post("/login", {"login": "ghost@example.com", "password": "wrong-password"},
                     environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert ghost.status_code == 429
    message = "Too many failed sign-ins for this account. Try again in 15 minutes"
    assert message in locked.get_data(as_text=True) and message in ghost.get_data(as_text=True)

    # Fifteen minutes later (the lock's time written back), the right password works again.
    db.session.execute(update(SignInThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    web.post("/logout")
    assert web.post("/login", {"login": "eli", "password": factories.PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 302
    assert db.session.scalar(select(SignInThrottle.key).where(
        SignInThrottle.key == _key_for_user("eli", "10.0.0.1"))) is None


def test_failures_older_than_the_window_do_not_count(app, web, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LOCKOUT_FAILURES", 4)
    factories.user(username="fay")
    fail_sign_ins(web, "fay", 3)
    db.session.execute(update(SignInThrottle).values(
        window_started_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    fail_sign_ins(web, "fay", 1)
    assert web.post("/login", {"login": "fay", "password": factories.PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 302


def test_nul_in_a_password_or_email_is_a_clear_422(web):
    factories.user(username="gus")
    assert web.post("/login", {"login": "gus", "password": "pass\x00word"}).status_code == 422
    register = web.post("/register", {"username": "hal", "email": "hal@example.com",
                                      "password": "pass\x00word-long"})
    assert register.status_code == 422 and 'id="password-error"' in register.get_data(as_text=True)
    forgot = web.post("/password/forgot", {"email": "gus\x00@example.com"})
    assert forgot.status_code == 422 and 'id="email-error"' in forgot.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "hal")) is None


# ---- helpers ---------------------------------------------------------------------------------

def factories_token(user) -> str:
    return accounts.issue_token(user, "test token")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _key_for_user(username: str, address: str) -> str:
    from community.services import lockout
    return lockout.key_for(db.session.scalar(select(User).where(User.username == username)), "",
                           address)



def test_cli_password_change_ends_sessions_but_rerunning_it_does_not(app, runner):
    args = ["users", "create", "vera", "vera@example.com", "--role", "member", "--password"]
    runner.invoke(args=[*args, "password123"])
    web = sign_in(app, "vera")
    assert runner.invoke(args=[*args, "password123"]).exit_code == 0
    assert signed_in(web.client)  # the same password again changes nothing
    assert runner.invoke(args=[*args, "another-password"]).exit_code == 0
    assert not signed_in(web.client)
