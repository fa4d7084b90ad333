"""The account holes a security probe found, each closed: reset links die with an email or
password change; a pending email change dies with a password change, a reset or sign-out
everywhere; sign-out ends the copied cookies; strangers cannot lock an owner out; others' private
ledger rows carry no exact time; bidi controls leave titles, names and tags; votes are limited."""
import pytest
from sqlalchemy import select

from core.database import db
from community import services
from community.models import AccountToken
from community.services import accounts
from tests import factories
from tests.conftest import WebClient
from tests.functional.test_account_security import REMEMBER, reload, sign_in, signed_in, steal

HOST = "http://127.0.0.1:5000"



def _reset_path(web, mailbox, email: str) -> str:
    assert web.post("/password/forgot", {"email": email}).status_code == 302
    return mailbox.link(email, "/password/reset/").removeprefix(HOST)


def _change_email(web, new_email: str):
    response = web.post("/settings/email", {"email": new_email,
                                            "current_password": factories.PASSWORD})
    assert response.status_code == 302


def _pending(user) -> str | None:
    return services.pending_email(reload(user))


# ---- reset links -------------------------------------------------------------------------------

def test_a_reset_link_mailed_to_the_old_address_dies_when_the_email_changes(app, mailbox):
    user = factories.user(username="oldbox")
    web = sign_in(app, "oldbox")
    stale = _reset_path(WebClient(app.test_client()), mailbox, "oldbox@example.com")
    _change_email(web, "oldbox@new.example")
    confirm = mailbox.link("oldbox@new.example", "/email/confirm/").removeprefix(HOST)
    assert web.post(confirm).status_code == 302
    assert reload(user).email == "oldbox@new.example"

    # Whoever keeps the old mailbox cannot take the account with the link it holds.
    taken = WebClient(app.test_client()).post(stale, {"password": "takeover-password"})
    assert taken.status_code == 422
    assert accounts.password_matches(reload(user), factories.PASSWORD)


def test_a_reset_link_dies_when_the_password_changes(app, mailbox):
    user = factories.user(username="pwchange")
    web = sign_in(app, "pwchange")
    stale = _reset_path(WebClient(app.test_client()), mailbox, "pwchange@example.com")
    assert web.post("/settings/password", {"current_password": factories.PASSWORD,
                                           "password": "my-new-password"}).status_code == 302
    assert WebClient(app.test_client()).post(stale, {"password": "other-password"}
                                             ).status_code == 422
    assert accounts.password_matches(reload(user), "my-new-password")


def test_a_reset_link_dies_when_the_cli_changes_the_email(app, runner, mailbox):
    user = factories.user(username="clibox")
    stale = _reset_path(WebClient(app.test_client()), mailbox, "clibox@example.com")
    runner.invoke(args=["users", "create", "clibox", "clibox@new.example", "--role", "member",
                        "--password", factories.PASSWORD])
    assert reload(user).email == "clibox@new.example"
    assert WebClient(app.test_client()).post(stale, {"password": "other-password"}
                                             ).status_code == 422


# ---- a pending email change ----------------------------------------------------------------------

@pytest.mark.parametrize("how", ["password change", "password reset", "sign out everywhere"])
def test_a_pending_email_change_is_cancelled(app, mailbox, how):
    user = factories.user(username=f"pend{len(how)}")
    web = sign_in(app, user.username)
    _change_email(web, f"{user.username}@attacker.example")
    confirm = mailbox.link(f"{user.username}@attacker.example", "/email/confirm/"
                           ).removeprefix(HOST)
    assert _pending(user) == f"{user.username}@attacker.example"

    if how == "password change":
        assert web.post("/settings/password", {"current_password": factories.PASSWORD,
                                               "password": "my-new-password"}).status_code == 302
    elif how == "password reset":
        path = _reset_path(WebClient(app.test_client()), mailbox, user.email)
        assert web.post(path, {"password": "my-new-password"}).status_code == 302
    else:
        assert web.post("/settings/sign-out-everywhere").status_code == 302

    assert _pending(user) is None
    assert WebClient(app.test_client()).post(confirm).status_code == 422
    assert reload(user).email == f"{user.username}@example.com"


def test_changing_email_and_password_at_once_keeps_the_new_pending_email(app, api, mailbox):
    user = factories.user(username="both")
    token = api.token_for("both@example.com")
    response = api.patch("/me", token, json={"current_password": factories.PASSWORD,
                                             "email": "both@new.example",
                                             "password": "my-new-password"})
    assert response.status_code == 200 and response.json["pending_email"] == "both@new.example"
    assert _pending(user) == "both@new.example"


def test_a_used_reset_link_still_says_it_was_used(app, mailbox):
    factories.user(username="twice")
    web = WebClient(app.test_client())
    path = _reset_path(web, mailbox, "twice@example.com")
    assert web.post(path, {"password": "first-new-password"}).status_code == 302
    again = web.post(path, {"password": "second-new-password"})
    assert again.status_code == 422 and "already been used" in again.get_data(as_text=True)
    assert db.session.scalar(select(AccountToken).where(AccountToken.used_at.is_(None))) is None


# ---- sign-out ---------------------------------------------------------------------------------------

def test_a_copied_session_or_remember_me_cookie_dies_with_sign_out(app):
    factories.user(username="copied")
    laptop, phone = sign_in(app, "copied"), sign_in(app, "copied")
    session_thief = steal(app, laptop, "session")
    remember_thief = steal(app, laptop, REMEMBER)
    assert signed_in(session_thief) and signed_in(remember_thief)
    assert laptop.post("/logout").status_code == 302
    assert not signed_in(session_thief) and not signed_in(remember_thief)
    assert signed_in(phone.client)  # another device's sign-in is its own


def test_a_copied_cookie_gets_no_kept_signed_in_thread_page_after_sign_out(app):
    factories.user(username="reader")
    thread = factories.thread()
    browser = sign_in(app, "reader")
    url = f"/t/{thread.id}/{thread.slug}"
    for _ in range(2):  # the second view is kept for this reader
        assert ">reader</a>" in browser.get(url).get_data(as_text=True)
    thief = steal(app, browser, "session")
    assert ">reader</a>" in thief.get(url).get_data(as_text=True)
    browser.post("/logout")
    assert ">reader</a>" not in thief.get(url).get_data(as_text=True)


def test_a_cookie_without_a_sign_in_key_signs_nobody_in(app):
    user = factories.user(username="keyless")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_stamp}"  # what a cookie held before keys
        session["_fresh"] = True
    assert not signed_in(client)


# ---- lockout -----------------------------------------------------------------------------------------

def _sign_in_from(web, login: str, password: str, address: str):
    return web.post("/login", {"login": login, "password": password},
                    environ_base={"REMOTE_ADDR": address})


def test_strangers_guessing_from_elsewhere_never_lock_the_owner_out(app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LOCKOUT_FAILURES", 3)
    factories.user(username="owner")
    stranger = WebClient(app.test_client())
    for n in range(12):  # from four addresses, three guesses each: every one of them locked
        address = f"198.51.100.{n // 3 + 1}"
        assert _sign_in_from(stranger, "owner", "wrong-guess", address).status_code == 401
    assert _sign_in_from(stranger, "owner", factories.PASSWORD,
                         "198.51.100.1").status_code == 429  # the guesser is locked out ...
    owner = WebClient(app.test_client())
    assert _sign_in_from(owner, "owner", factories.PASSWORD,
                         "203.0.113.7").status_code == 302  # ... the owner at home is not


def test_a_password_reset_lifts_the_lock_from_every_address(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LOCKOUT_FAILURES", 2)
    factories.user(username="unlock")
    web = WebClient(app.test_client())
    for address in ("198.51.100.20", "198.51.100.21"):
        for _ in range(2):
            _sign_in_from(web, "unlock", "wrong-guess", address)
        assert _sign_in_from(web, "unlock", factories.PASSWORD, address).status_code == 429
    path = _reset_path(web, mailbox, "unlock@example.com")
    assert web.post(path, {"password": "fresh-password"}).status_code == 302
    for address in ("198.51.100.20", "198.51.100.21"):
        assert _sign_in_from(WebClient(app.test_client()), "unlock", "fresh-password",
                             address).status_code == 302


# ---- the public ledger -------------------------------------------------------------------------

def test_others_cannot_match_a_downvoter_to_the_downvoted_by_time(app, api, client):
    voter = factories.reputable(factories.user(username="critic2"), 60)
    answer = factories.answer(factories.thread(), factories.reputable(factories.user(), 50))
    services.cast_vote(voter, answer.id, -1)

    def stamps(user_id, token=None):
        return {i["reason"]: i["created_at"] for i in
                api.get(f"/users/{user_id}/reputation", token).json["items"]}

    theirs = stamps(voter.id)["voter_downvote"]
    received = stamps(answer.author_id)["post_downvoted"]
    assert theirs.endswith("T00:00:00Z") and theirs[:10] == received[:10]
    assert theirs != received
    # The voter sees their own row's time as it is.
    assert not stamps(voter.id, api.token_for(voter.email))["voter_downvote"].endswith(
        "T00:00:00Z")
    # The profile page: no exact time in the markup of the voter's private row.
    page = client.get(f"/u/{voter.id}/reputation/all").get_data(as_text=True)
    row = next(li for li in page.split("<li>") if "voter downvote" in li)
    assert f'datetime="{theirs[:10]}"' in row and "thread" not in row


# ---- bidi controls -----------------------------------------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_controls_are_removed_from_titles_names_and_tags(app, api):
    author = factories.user()
    token = api.token_for(author.email)
    category = factories.category()
    response = api.post("/threads", token, json={
        "title": f"Invoice \u202eexe.txt{BIDI} does not open", "body": "A body long enough here.",
        "category": category.slug, "tags": ["bil\u202eling", "\u2066pdf\u2069"]})
    assert response.status_code == 201, response.json
    assert response.json["title"] == "Invoice exe.txt does not open"
    assert sorted(response.json["tags"]) == ["billing", "pdf"]
    boss = factories.admin()
    named = services.create_category(boss, f"Sup\u202eport{BIDI}", None)
    assert named.name == "Support"


def test_bidi_controls_stay_out_of_usernames_and_token_names(app, api):
    refused = api.post("/users", json={"username": "ann\u202e", "email": "ann@example.com",
                                       "password": factories.PASSWORD})
    assert refused.status_code == 422  # the API takes names of plain letters only
    web = WebClient(app.test_client())
    assert web.post("/register", {"username": "\u2067ann\u202e", "email": "ann@example.com",
                                  "password": factories.PASSWORD}).status_code == 302
    token = api.token_for("ann@example.com")
    assert api.get("/me", token).json["username"] == "ann"
    made = api.post("/me/tokens", token, json={"name": "dep\u2067loy"})
    assert made.status_code == 201 and made.json["name"] == "deploy"


# ---- vote rate limit ---------------------------------------------------------------------------------

def test_vote_toggling_is_rate_limited_across_web_and_api(app, api):
    factories.reputable(factories.user(username="toggler"), 60)
    answer = factories.answer(factories.thread())
    token = api.token_for("toggler@example.com")
    web = sign_in(app, "toggler")
    statuses = []
    for n in range(30):
        if n % 2:
            statuses.append(web.post(f"/posts/{answer.id}/vote",
                                     {"value": str(n % 3 - 1)}).status_code)
        else:
            statuses.append(api.post(f"/posts/{answer.id}/vote", token,
                                     json={"value": n % 3 - 1}).status_code)
    assert set(statuses) <= {200, 302}
    limited = api.post(f"/posts/{answer.id}/vote", token, json={"value": 1})
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert web.post(f"/posts/{answer.id}/vote", {"value": "1"}).status_code == 429
    # Another account has its own allowance.
    other = factories.reputable(factories.user(), 60)
    assert api.post(f"/posts/{answer.id}/vote", api.token_for(other.email),
                    json={"value": 1}).status_code == 200
