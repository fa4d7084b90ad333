"""The phone layout and the front door in Chromium: at 360 px the header is one row at most
120 px tall, every button, form control, header and nav link is at least 44×44 px, nothing
scrolls sideways, and axe-core finds no serious or critical violation on home, thread, search
and ask; the header is one row at 1280 px too; "This solved my problem" works without JS.

axe-core comes from the npm registry, installed once into a cache folder (AXE_CORE_DIR, default
~/.cache/commonplace-axe) and injected into each page with Playwright's add_script_tag."""
import json
import os
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, sign_in

AXE_VERSION = "4.11.0"
AXE_DIR = Path(os.environ.get("AXE_CORE_DIR", Path.home() / ".cache" / "commonplace-axe"))

# (name, path or seeded-data attribute, who is signed in)
PAGES = [("home", "/", None), ("thread", "wide_url", None), ("thread-asker", "wide_url", "alice"),
         ("search", "/search?q=invoices", None), ("search-empty", "/search?q=zebra+gallop", None),
         ("ask", "/ask", "alice"), ("kb-item", "kb_url", None), ("events", "/staff/events", "sam")]

# What a thumb must hit: every control, and every link in the header or a nav. A checkbox or
# radio is hit through its label, so the label's box is measured for those.
TARGETS = """() => {
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
  const small = [];
  const all = document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, summary, header.site a, nav a');
  for (const el of all) {
    if (!visible(el)) continue;
    let box = el.getBoundingClientRect();
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length)
      box = el.labels[0].getBoundingClientRect();
    if (box.width < 43.5 || box.height < 43.5)
      small.push(describe(el) + ` ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  const header = document.querySelector('header.site').getBoundingClientRect();
  const row = [...document.querySelectorAll('header.site .bar > *')].filter(visible)
    .map(el => { const r = el.getBoundingClientRect(); return r.top + r.height / 2; });
  return {count: all.length, small, headerHeight: header.height,
          rowSpread: Math.max(...row) - Math.min(...row),
          scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth};
}"""


@pytest.fixture
def phone(new_context):
    """A 360 px phone whose pages accept the injected axe script (our CSP forbids inline ones)."""
    return new_context(**PHONE, bypass_csp=True).new_page()


@pytest.fixture
def desktop(new_context):
    return new_context(**DESKTOP, bypass_csp=True).new_page()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js from the npm registry (installed on first use, then reused)."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    package = script.parent / "package.json"
    if not script.exists() or json.loads(package.read_text())["version"] != AXE_VERSION:
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix",
                        str(AXE_DIR), f"axe-core@{AXE_VERSION}"], check=True,
                       capture_output=True, timeout=300)
    return script


def axe_violations(page, axe_script: Path) -> list[str]:
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in results
            if v["impact"] in ("serious", "critical")]


def _open(page, live_server, where, user):
    if user:
        sign_in(page, user)
    path = where if where.startswith("/") else getattr(live_server.data, where)
    response = page.goto(path)
    assert response.status == 200, f"{path}: HTTP {response.status}"
    return path


@pytest.mark.parametrize("name, where, user", PAGES, ids=[p[0] for p in PAGES])
def test_phone_header_targets_and_axe(phone, live_server, screens, axe_script,
                                      name, where, user):
    page = phone
    path = _open(page, live_server, where, user)
    page.screenshot(path=str(screens / f"front-{name}.png"), full_page=True)
    found = page.evaluate(TARGETS)
    assert found["headerHeight"] <= 120, f"{path}: header {found['headerHeight']} px tall"
    assert found["rowSpread"] <= 4, f"{path}: the header wraps to a second row: {found}"
    assert found["scrollWidth"] <= found["innerWidth"], f"{path} scrolls sideways: {found}"
    assert not found["small"], f"{path}: {len(found['small'])} of {found['count']} " \
                               f"targets under 44×44 px: {found['small']}"
    violations = axe_violations(page, axe_script)
    assert not violations, f"{path}: axe: {violations}"


@pytest.mark.parametrize("name, where, user", PAGES[:4], ids=[p[0] for p in PAGES[:4]])
def test_desktop_header_is_one_row_with_a_search_field(desktop, live_server, axe_script,
                                                       name, where, user):
    page = desktop
    path = _open(page, live_server, where, user)
    found = page.evaluate(TARGETS)
    assert found["rowSpread"] <= 4 and found["headerHeight"] <= 80, f"{path}: {found}"
    assert not found["small"], f"{path}: targets under 44×44 px: {found['small']}"
    expect(page.locator("#site-q")).to_be_visible()
    assert not axe_violations(page, axe_script)


def test_phone_search_is_one_tap_away_without_javascript(new_context, live_server):
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto(live_server.data.wide_url)
    expect(page.locator("#site-q")).to_be_hidden()
    page.get_by_role("banner").get_by_role("link", name="Search").click()
    field = page.locator("#site-q")
    expect(field).to_be_visible()
    field.fill("invoices")
    field.press("Enter")
    expect(page).to_have_url(live_server.url + "/search?q=invoices")


def test_ask_form_shows_similar_questions_under_the_title_above_the_fold(new_context,
                                                                         live_server):
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    sign_in(page, "alice")
    page.goto("/ask")
    page.get_by_label("Title").fill("Where can I download my invoices")
    page.get_by_label("Details").fill("I need last month's invoice for my accountant.")
    page.get_by_role("button", name="Check for similar questions").click()
    similar = page.locator("#similar")
    expect(similar.get_by_role("link", name="How do I download my invoices?")).to_be_visible()
    order = page.evaluate("""() => [...document.querySelectorAll('form.stack > *')]
        .map(el => el.id || el.tagName.toLowerCase())""")
    assert order.index("similar") == order.index("title") + 1, order
    box = similar.bounding_box()
    assert box["y"] < PHONE["viewport"]["height"], box


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_this_solved_my_problem_without_javascript(new_context, live_server, device):
    """An anonymous reader of a solved thread (a kept page) taps the button and is thanked;
    the knowledge item page's button comes back to the item."""
    page = new_context(**device, java_script_enabled=False).new_page()
    page.goto(live_server.data.wide_url)
    page.goto(live_server.data.wide_url)  # the second view is the shared anonymous copy
    page.get_by_role("button", name="This solved my problem").click()
    expect(page.get_by_role("status")).to_have_text(
        "Thanks for telling us: glad it solved your problem.")
    page.goto(live_server.data.kb_url)
    page.get_by_role("button", name="This solved my problem").click()
    expect(page).to_have_url(live_server.url + live_server.data.kb_url)
    expect(page.get_by_role("status")).to_have_text(
        "You already told us this solved your problem. Thanks!")
