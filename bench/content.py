"""Deterministic, plausible support-forum text for the benchmark: titles, Markdown bodies, tags.

Same seed, same text: two runs of the benchmark render the same pages.
"""
import random

TAGS = ["account", "api", "billing", "csv", "dashboard", "email", "export", "import", "invoices",
        "login", "mobile", "notifications", "oauth", "password", "permissions", "plans", "reports",
        "sso", "webhooks", "search", "teams", "audit-log", "backup", "calendar", "integrations",
        "zapier", "slack", "salesforce", "python", "javascript", "rate-limits", "pagination",
        "timezone", "localization", "android", "ios", "gdpr", "security", "performance", "sandbox"]

CATEGORIES = [("Getting started", "Installing, signing in and first steps."),
              ("Billing", "Invoices, plans and payment methods."),
              ("Integrations", "APIs, webhooks and connecting other tools."),
              ("Reports and exports", "Dashboards, scheduled reports and data exports."),
              ("Administration", "Teams, roles, single sign-on and audit logs.")]

_SUBJECTS = ["the CSV export", "a scheduled report", "the webhook endpoint", "single sign-on",
             "the billing page", "our team invitations", "the mobile app", "API pagination",
             "the audit log", "password reset emails", "the Slack integration", "invoice PDFs",
             "the dashboard filters", "two-factor authentication", "the sandbox account",
             "bulk user import", "the search index", "notification digests", "OAuth tokens",
             "time zone settings"]
_PROBLEMS = ["stops working after the latest update", "returns a 401 for some users",
             "shows the wrong totals", "times out for large accounts", "is missing half the rows",
             "sends duplicate messages", "ignores the locale setting", "cannot be turned off",
             "fails silently overnight", "is very slow since Monday", "rejects valid input",
             "loses changes when two people edit"]
_OPENERS = ["", "", "Help: ", "Since yesterday, ", "Workaround needed: ", "Is it expected that ",
            "After the upgrade, "]
_SENTENCES = [
    "We have about {n} users on the annual plan and this started last week.",
    "I checked the status page and nothing is reported there.",
    "The same steps work fine in the sandbox account, which makes this confusing.",
    "Our admin already tried signing out everywhere and clearing the browser cache.",
    "It happens every time we run it from the scheduler, but never when run by hand.",
    "Support suggested upgrading the connector, which we did, without any change.",
    "The documentation says the limit is {n} requests per minute, and we stay well below it.",
    "We are on the Europe region, in case that matters for timing.",
    "Happy to share a request id if someone from the team wants to look at it.",
    "Has anyone else seen this, or found a setting that controls it?",
    "The error only shows up for accounts created before the migration.",
    "Turning the feature off and on again makes it work for an hour or two.",
]
_REPLIES = [
    "We had the same thing; it turned out to be the clock on our server drifting by {n} seconds.",
    "Check whether the integration user still has the *Reports* permission after the update.",
    "This is expected: the export is capped at {n} rows unless you schedule it instead.",
    "Support confirmed it is a known issue and a fix is rolling out region by region.",
    "You can work around it by creating a new API token with the narrower scope.",
    "Make sure you compare against the raw request body, not the re-serialised JSON.",
    "Clearing the saved filter and creating it again fixed it for our team.",
    "The setting moved to the admin console under *Organisation → Security*.",
]
_STEPS = ["Open **Settings → Integrations**.", "Pick the connection and choose *Edit*.",
          "Regenerate the signing secret and save.", "Run the export again from the dashboard.",
          "Check the delivery log for the request id.", "Sign out and back in on every device."]
_CODE = ['curl -H "Authorization: Bearer $TOKEN" \\\n  "https://api.example.com/v1/reports?page=2"',
         'import hmac, hashlib\nsig = hmac.new(secret, raw_body, hashlib.sha256).hexdigest()\n'
         'assert hmac.compare_digest(sig, header_sig)',
         '{\n  "event": "invoice.paid",\n  "id": "evt_{n}",\n  "attempt": 3\n}']


def title(rng: random.Random, n: int) -> str:
    opener, subject = rng.choice(_OPENERS), rng.choice(_SUBJECTS)
    if not opener or opener.endswith(": "):
        subject = subject[0].upper() + subject[1:]
    return f"{opener}{subject} {rng.choice(_PROBLEMS)} (#{n})"


def _paragraph(rng: random.Random, sentences: int, pool: list[str]) -> str:
    return " ".join(rng.choice(pool).format(n=rng.randint(3, 5000)) for _ in range(sentences))


def body(rng: random.Random, paragraphs: int = 2, pool: list[str] = _SENTENCES) -> str:
    """A Markdown post: paragraphs, and now and then a list, a code block or a link."""
    parts = [_paragraph(rng, rng.randint(2, 4), pool) for _ in range(paragraphs)]
    roll = rng.random()
    if roll < 0.3:
        parts.append("\n".join(f"{i}. {step}" for i, step in
                               enumerate(rng.sample(_STEPS, rng.randint(2, 4)), 1)))
    elif roll < 0.5:
        parts.append("```\n" + rng.choice(_CODE).replace("{n}", str(rng.randint(1, 999))) + "\n```")
    elif roll < 0.65:
        parts.append(f"See https://docs.example.com/help/{rng.randint(100, 999)} for the details, "
                     "and the `retry_after` field in the response.")
    return "\n\n".join(parts)


def tags(rng: random.Random) -> list[str]:
    return rng.sample(TAGS, rng.randint(1, 3))


def answer(rng: random.Random) -> str:
    """An answer: one to three paragraphs, often with steps or code."""
    return body(rng, paragraphs=rng.randint(1, 3), pool=_REPLIES)
