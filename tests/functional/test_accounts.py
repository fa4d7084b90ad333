"""Accounts on the web: register, sign in, sign out, profile; CSRF, cookies, safe redirects."""
import pytest
from sqlalchemy import func, select

from core.database import db
from community.models import User
from tests import factories


def test_register_signs_in_and_shows_profile(web):
    response = web.post("/register", {"username": "ann", "email": "Ann@Example.com",
                                      "password": "password123"})
    assert response.status_code == 302
    home = web.get("/").get_data(as_text=True)
    assert "ann" in home and "Sign out" in home
    user = db.session.scalar(select(User).where(User.username == "ann"))
    assert user.email == "ann@example.com" and user.reputation == 1
    assert user.password_hash.startswith("$argon2id$")
    profile = web.get(f"/u/{user.id}/ann").get_data(as_text=True)
    assert "ann@example.com" in profile  # own profile shows the email


def test_duplicate_username_or_email_is_refused_by_field(web, app):
    factories.user(username="taken")
    response = web.post("/register", {"username": "TAKEN", "email": "new@example.com",
                                      "password": "password123"})
    assert response.status_code == 409
    assert "is already taken" in response.get_data(as_text=True)
    response = web.post("/register", {"username": "fresh", "email": "taken@example.com",
                                      "password": "password123"})
    assert response.status_code == 409
    assert "is already registered" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1


@pytest.mark.parametrize("field,data", [
    ("username", {"username": "a", "email": "a@example.com", "password": "password123"}),
    ("email", {"username": "anna", "email": "not-an-email", "password": "password123"}),
    ("password", {"username": "anna", "email": "a@example.com", "password": "short"}),
])
def test_invalid_registration_names_the_field(web, field, data):
    response = web.post("/register", data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_forms_without_csrf_token_are_refused(client):
    response = client.post("/register", data={"username": "ann", "email": "a@example.com",
                                              "password": "password123"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_login_by_email_or_username_and_logout(web):
    factories.user(username="bea")
    assert web.post("/login", {"login": "bea", "password": "wrong-password"}).status_code == 401
    web.login("BEA@example.com")
    assert "Sign out" in web.get("/").get_data(as_text=True)
    assert web.post("/logout").status_code == 302
    assert "Sign in" in web.get("/").get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(web):
    factories.user(username="cat")
    response = web.post("/login", {"login": "cat", "password": "password123"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("target,expected", [
    ("/threads?sort=votes", "/threads?sort=votes"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_redirects_only_to_our_own_paths(web, target, expected):
    factories.user(username="dan")
    response = web.post("/login", {"login": "dan", "password": "password123", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_asking_requires_sign_in_and_returns_after(web):
    response = web.get("/ask")
    assert response.status_code == 302 and "/login?next=%2Fask" in response.headers["Location"]


def test_cli_users_create_is_idempotent(runner, app):
    result = runner.invoke(args=["users", "create", "root", "root@example.com", "--password",
                                 "password123", "--role", "admin"])
    assert result.exit_code == 0 and "created" in result.output
    result = runner.invoke(args=["users", "create", "root", "root@example.com", "--password",
                                 "password456", "--role", "moderator"])
    assert result.exit_code == 0 and "updated" in result.output
    users = db.session.scalars(select(User)).all()
    assert [(u.username, u.role) for u in users] == [("root", "moderator")]
    result = runner.invoke(args=["users", "create", "x", "bad", "--password", "p"])
    assert result.exit_code != 0 and "username" in result.output


def test_demo_accounts_never_go_into_a_configured_database(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "EMBEDDED_DATABASE", False)  # DATABASE_URL is set
    output = runner.invoke(args=["seed", "demo"]).output
    assert "nothing seeded" in output and "DATABASE_URL" in output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_pages_and_api_send_security_headers(client, app):
    for url in ("/", "/login", "/api/v1/threads"):
        headers = client.get(url).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
