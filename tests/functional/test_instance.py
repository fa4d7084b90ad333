"""The instance folder is private, and a busy database is a 503 that says when to come back."""
from app.config import load_config
from core.errors import Busy


def test_instance_files_are_created_private(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    config = load_config({"INSTANCE_PATH": str(instance)})
    assert config["EMBEDDED_DATABASE"] is True
    assert instance.stat().st_mode & 0o777 == 0o700
    for name in ("secret_key", "commonplace.db"):
        assert (instance / name).stat().st_mode & 0o777 == 0o600, name


def test_a_configured_database_is_not_the_embedded_default(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1/none")
    assert load_config({"INSTANCE_PATH": str(tmp_path / "i")})["EMBEDDED_DATABASE"] is False


def test_busy_is_a_503_with_retry_after_on_pages_and_the_api(tmp_path):
    from app.factory import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "x", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}"})

    def busy():
        raise Busy("The site is busy; please try again in a moment.")
    app.add_url_rule("/_busy", "busy_page", busy)
    app.add_url_rule("/api/v1/_busy", "busy_api", busy)
    client = app.test_client()
    for url in ("/_busy", "/api/v1/_busy"):
        response = client.get(url)
        assert response.status_code == 503 and response.headers["Retry-After"] == "2", url
