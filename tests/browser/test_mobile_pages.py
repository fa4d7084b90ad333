"""Every page a customer meets reads on a 360px phone: no sideways scroll, one <h1>, a <main>
landmark, and a label on every form control. A full-page screenshot of each goes to tmp_path."""
import pytest

from tests.browser.conftest import LONG_URL, PHONE, sign_in

PHONE_WIDTH = PHONE["viewport"]["width"]

# One evaluate per page: the measurements, plus what overflows (for a useful failure message).
AUDIT = """() => {
  const width = window.innerWidth;
  const doc = document.documentElement;
  const describe = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    return s;
  };
  const clippedByAncestor = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const overflowing = [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5 && !clippedByAncestor(el))
    .map(el => ({element: describe(el), right: Math.round(el.getBoundingClientRect().right),
                 text: (el.textContent || '').trim().slice(0, 60)}));
  const labelText = el => {
    const own = [...(el.labels || [])].map(l => l.textContent.trim()).join(' ');
    const aria = (el.getAttribute('aria-label') || '').trim();
    const by = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    return own || aria || by;
  };
  const controls = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden');
  return {
    innerWidth: width,
    clientWidth: doc.clientWidth,
    scrollWidth: doc.scrollWidth,
    h1: [...document.querySelectorAll('h1')].map(h => h.textContent.trim()),
    mains: document.querySelectorAll('main, [role=main]').length,
    controls: controls.map(el => ({control: describe(el) + (el.name ? `[name=${el.name}]` : ''),
                                   label: labelText(el)})),
    overflowing,
  };
}"""

# (screenshot name, path or seeded-data attribute, who is signed in, what must be on the page)
PAGES = [
    ("home", "/", None, "How can we help?"),
    ("threads", "/threads", None, "All questions"),
    ("thread-wide", "wide_url", None, "Why was my card charged twice this month?"),
    ("thread-wide-asker", "wide_url", "alice", "Why was my card charged twice this month?"),
    ("ask", "/ask", "alice", "Ask a question"),
    ("login", "/login", None, "Sign in"),
    ("register", "/register", None, "Create an account"),
    ("profile", "profile_url", None, "alice"),
    ("settings", "/settings", "alice", "Settings"),
    ("tokens", "/settings/tokens", "alice", "API tokens"),
    ("forgot-password", "/password/forgot", None, "Forgot your password?"),
    ("leaderboard", "/leaderboard?period=all", None, "Who helped most"),
    ("kb", "/kb", None, "Knowledge base"),
    ("kb-item-wide", "kb_url", None, "Why was my card charged twice this month?"),
    ("kb-review", "/staff/knowledge", "sam", "Knowledge review"),
    ("crm-outbox", "/staff/crm/outbox", "sam", "CRM outbox"),
    ("crm-contact", "crm_contact_url", "sam", "CRM contact: alice"),
    ("thread-escalate-form", "wide_url", "sam", "Why was my card charged twice this month?"),
    ("thread-case-asker", "plain_url", "alice", "How do I download my invoices?"),
    ("thread-case-support", "plain_url", "sam", "How do I download my invoices?"),
    ("search-empty", "/search?q=invoices+charged", None, "Search"),
    ("search-results", "/search?q=invoices", None, "Search"),
    ("notifications", "/notifications", "alice", "Notifications"),
    ("notification-settings", "/settings/notifications", "alice", "Notification settings"),
]


@pytest.mark.parametrize("name, where, user, heading", PAGES, ids=[p[0] for p in PAGES])
def test_page_reads_on_a_phone(phone_page, live_server, screens, name, where, user, heading):
    page = phone_page
    if user:
        sign_in(page, user)
    path = getattr(live_server.data, where) if not where.startswith("/") else where
    response = page.goto(path)
    assert response.status == 200, f"{path}: HTTP {response.status}"
    assert page.url == live_server.url + path, "redirected away (not signed in?)"

    audit = page.evaluate(AUDIT)
    page.screenshot(path=str(screens / f"{name}.png"), full_page=True)

    # The phone layout really is 360 CSS px (no shrink-to-fit zoom-out hiding an overflow).
    assert audit["innerWidth"] == PHONE_WIDTH and audit["clientWidth"] == PHONE_WIDTH, audit
    assert audit["scrollWidth"] <= audit["innerWidth"], (
        f"{path} scrolls sideways: scrollWidth {audit['scrollWidth']} > {audit['innerWidth']}; "
        f"overflowing: {audit['overflowing']}")
    assert audit["h1"] == [heading], f"{path}: expected exactly one <h1> {heading!r}: {audit['h1']}"
    assert audit["mains"] == 1, f"{path}: {audit['mains']} <main> landmarks"
    unlabelled = [c["control"] for c in audit["controls"] if not c["label"]]
    assert not unlabelled, f"{path}: form controls without a label: {unlabelled}"


def test_wide_answer_content_is_contained(phone_page, live_server):
    """The premise of the wide thread: the code block and table render and scroll inside
    themselves, the long word and URL wrap, and nothing pushes the page sideways."""
    page = phone_page
    page.goto(live_server.data.wide_url)
    answer = page.locator(f"#post-{live_server.data.wide_answer_id}")
    pre, table = answer.locator("pre"), answer.locator("table")
    link = answer.get_by_role("link", name=LONG_URL)
    for element in (pre, table, link):
        element.wait_for()
    sizes = page.evaluate("""([pre, table]) => [pre, table].map(sel => {
        const el = document.querySelector(sel);
        return {scroll: el.scrollWidth, client: el.clientWidth,
                right: el.getBoundingClientRect().right};
    })""", [f"#post-{live_server.data.wide_answer_id} pre",
            f"#post-{live_server.data.wide_answer_id} table"])
    for size in sizes:
        assert size["right"] <= PHONE_WIDTH, sizes
    # The table is wider than the phone, so it scrolls within its own box.
    assert sizes[1]["scroll"] > sizes[1]["client"], sizes
    link_box = link.bounding_box()
    assert link_box["x"] + link_box["width"] <= PHONE_WIDTH, link_box
