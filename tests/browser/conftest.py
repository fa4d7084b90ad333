"""Browser fixtures: the real app served over HTTP on 127.0.0.1, driven by Debian's Chromium.

Browser tests always run on a fresh SQLite copy of the migrated schema, even when DATABASE_URL
names PostgreSQL: they exercise the pages (layout, forms, the no-JS flows), not the database,
and a file per test keeps them independent without truncating a shared database while a
server thread may still hold connections.

Chromium is Debian's /usr/bin/chromium (never a downloaded browser; do not `playwright install`).
"""
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.database import db
from app.extensions import limiter
from app.factory import create_app
from tests import factories
from tests.conftest import USING_POSTGRES, _base_config, _migrate
from tests.live_server import serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PASSWORD = factories.PASSWORD

# Content that breaks naive layouts at 360px: one unbroken word, a long URL, a wide code line
# and a many-column table.
LONG_WORD = "Supercalifragilistic" * 8
LONG_URL = ("https://support.example.com/knowledge-base/articles/2024/billing/"
            "invoices-and-receipts/why-was-my-card-charged-twice-this-month"
            "?utm_source=community&utm_medium=answer&utm_campaign=" + "x" * 60)
WIDE_CODE = "curl -X POST " + "-H 'X-Very-Long-Header-Name: some-value' " * 6 + LONG_URL
WIDE_TABLE = "\n".join([
    "| " + " | ".join(f"Column heading {i}" for i in range(1, 9)) + " |",
    "|" + "---|" * 8,
    "| " + " | ".join(f"value-{i}-with-some-length" for i in range(1, 9)) + " |",
])
WIDE_ANSWER = f"""Try this first: {LONG_WORD}

See {LONG_URL} for the full article.

```
{WIDE_CODE}
```

{WIDE_TABLE}
"""


@pytest.fixture(scope="session")
def sqlite_template(request, tmp_path_factory) -> Path:
    """The migrated SQLite template: the top-level one, or our own when that one is PostgreSQL."""
    if not USING_POSTGRES:
        return request.getfixturevalue("database_template")
    base = tmp_path_factory.mktemp("browser-schema")
    path = base / "template.db"
    _migrate(f"sqlite:///{path}", base)
    return path


def _seed() -> SimpleNamespace:
    """A small community made through the service functions (inside the served app's context)."""
    asker = factories.user(username="alice")
    helper = factories.user(username="bob")
    billing = factories.category("Billing", "billing")
    factories.category("Accounts", "accounts")
    plain = factories.thread(asker, billing, title="How do I download my invoices?",
                             body="I cannot find the invoices page anywhere in settings.",
                             tags=["invoices", "billing"])
    factories.answer(plain, helper, body="Open Settings, then Billing, then Invoices.")
    wide = factories.thread(asker, billing, title="Why was my card charged twice this month?",
                            body=f"My statement shows two charges. Reference {LONG_WORD}.",
                            tags=["charges"])
    wide_answer = factories.answer(wide, helper, body=WIDE_ANSWER)
    kb_url = _solve_and_sync(asker, wide, wide_answer)
    _escalate_with_draft(plain)
    from core.consumers import run_until_caught_up
    run_until_caught_up("search-index")  # the search index holds what was just made
    return SimpleNamespace(
        asker=SimpleNamespace(id=asker.id, username=asker.username),
        helper=SimpleNamespace(id=helper.id, username=helper.username),
        plain_url=f"/t/{plain.id}/{plain.slug}",
        wide_url=f"/t/{wide.id}/{wide.slug}",
        wide_answer_id=wide_answer.id,
        profile_url=f"/u/{asker.id}/{asker.username}",
        kb_url=kb_url, crm_contact_url=f"/staff/crm/contacts/{asker.id}",
    )


def _solve_and_sync(asker, thread, answer) -> str:
    """Solve the wide thread (its knowledge item carries the wide content), add a support
    agent (sam) and run the CRM relay once, so the staff CRM pages have rows to show."""
    from community import services
    from community.knowledge import item_for_thread
    from crm import relay
    factories.user("support", username="sam")
    services.accept_answer(asker, thread.id, answer.id)
    relay.run_once()
    item = item_for_thread(thread.id)
    return f"/kb/{item.id}-{item.slug}"


def _escalate_with_draft(thread) -> None:
    """The plain thread escalated by sam, its case synced and resolved: a case panel and a
    draft resolution (with Publish for staff) on its page."""
    from community import services
    from community.models import Case, User
    from crm import relay
    sam = db.session.scalar(db.select(User).where(User.username == "sam"))
    services.escalate(sam, thread.id, "The invoices page is missing for this account.", "high")
    relay.run_once()
    ref = db.session.scalar(db.select(Case.crm_ref).where(Case.thread_id == thread.id))
    services.apply_case_change(services.case_change(
        ref, "pending", f"Invoices live under **Billing**. Reference {LONG_WORD}."))


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    """The app on http://127.0.0.1:<free port> in a background thread, with a fresh seeded DB.

    Yields a namespace: url, app, and `data` (what _seed made: users, thread URLs)."""
    target = tmp_path / "browser.db"
    shutil.copy(sqlite_template, target)
    app = create_app(_base_config(tmp_path, f"sqlite:///{target}"))
    try:
        with serve(app) as server:
            port = server.server_port
            app.config["SERVER_NAME"] = f"127.0.0.1:{port}"  # the Host the browser sends
            with app.app_context():
                limiter.reset()  # with REDIS_URL the counts outlive an app: earlier sign-ins
                data = _seed()
                db.session.remove()
            yield SimpleNamespace(url=f"http://127.0.0.1:{port}", app=app, data=data)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed (apt-get install -y chromium); "
                    ".ci/run installs it")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, live_server):
    """Factory: a fresh browser context (own cookies) pointed at the live server; closed after."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phone_page(new_context):
    return new_context(**PHONE).new_page()


@pytest.fixture
def desktop_page(new_context):
    return new_context(**DESKTOP).new_page()


@pytest.fixture
def screens(tmp_path) -> Path:
    """Where screenshots go: under tmp_path, never the repository."""
    path = tmp_path / "screens"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(page, login: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would (works with JavaScript off)."""
    page.goto("/login")
    page.get_by_label("Email or username").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.locator("header details.menu summary[aria-label^='Account menu']").wait_for()


def header_link(page, name: str) -> None:
    """Follow a page link of the header: in the row on wide screens, in the menu on phones."""
    inline = page.get_by_role("navigation", name="Main").get_by_role("link", name=name)
    if inline.is_visible():
        inline.click()
        return
    page.locator("header details.menu summary").click()
    page.get_by_role("navigation", name="Account and pages").get_by_role(
        "link", name=name).click()


def sign_out(page) -> None:
    """Sign out from the account menu (a <details>: no JavaScript needed)."""
    page.locator("header details.menu summary").click()
    page.get_by_role("button", name="Sign out").click()

