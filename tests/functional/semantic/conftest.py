"""Fixtures for the semantic layer's tests: a small community embedded by the real consumers."""
import pytest

from core.consumers import run_until_caught_up
from search.semantic.embedder import CONSUMER
from tests import factories
from tests.functional.search.conftest import BACKENDS, catch_up, use_backend

# A small support forum; each pair (question asked, thread that answers it) is in EXAMPLES.
FORUM = {
    "sleep": ("Notebook stuck on black screen after sleep",
              "When I open the lid the display stays dark and the fans spin; I have to hold the "
              "power button to restart."),
    "invoice": ("Where can I download my invoices as PDF?",
                "I need the PDF of last month's bill for my accountant."),
    "charged": ("Why was my card charged twice this month?",
                "My statement shows two identical charges for one subscription."),
    "password": ("Reset link for my password never arrives",
                 "I asked for a reset email three times; nothing in the inbox or spam folder."),
    "export": ("Export contacts to a spreadsheet",
               "Is there a way to get all customer contacts out as a CSV file for Excel?"),
    "printer": ("Printer prints blank pages after driver update",
                "Since the last update every page comes out of the printer empty."),
    "wifi": ("Wi-Fi drops every few minutes on the office network",
             "The wireless connection disconnects and reconnects all day long."),
    "dark": ("How do I switch the dashboard to dark mode?",
             "The white background hurts my eyes in the evening; is there a dark theme?"),
    "refund": ("Can I get my money back for an annual plan?",
               "I bought a yearly subscription by mistake and want a refund."),
    "language": ("Change the language of the app to German",
                 "Our team in Berlin would like the interface in German."),
    # Names and codes a sentence model knows nothing about, beside look-alike threads.
    "err": ("Sync halts with ERR_4471 in the desktop client",
            "The client stops part way and the log shows ERR_4471."),
    "slow": ("Desktop client sync is very slow on large folders",
             "Syncing a folder with many files takes hours in the desktop client."),
    "zapier": ("Connecting Zapier to the Acme CRM connector",
               "Which trigger should the Zap use for new tickets?"),
    "integration": ("Which integrations work with the CRM?",
                    "Looking for a list of third party tools that connect to our CRM."),
    "kb": ("Article KB-2291 has a broken link",
           "The help article about payroll points to a page that does not exist."),
    "broken": ("Links in help articles go nowhere",
               "Several help centre pages link to missing pages."),
    # What only an answer says: the words are found by the lexical side, not in any vector.
    "fan": ("Clicking noise from the unit every few seconds",
            "It started last week and gets louder when it is busy.",
            "That is the cooling fan's bearing wearing out: order the FN-300 replacement fan."),
    "noise": ("Loud humming noise from the device at night",
              "The unit hums loudly overnight, even when nobody is using it."),
    "hotel": ("Cannot sign in from a hotel network",
              "The sign-in page never finishes loading when I am travelling.",
              "Hotel networks often block port 8443: connect through the VPN profile instead."),
    "travel": ("Using the app while travelling abroad",
               "Does the app work in other countries and on roaming data?"),
    "totals": ("Monthly report totals do not match my spreadsheet",
               "The totals are off by a few entries at the start of each month.",
               "Reports count in UTC: set your timezone under Settings, then Region."),
    "weekly": ("Email me the monthly report automatically",
               "Can the report be sent to my inbox on the first of each month?"),
}
# Questions as a customer would type them: (title, the FORUM key of the thread that answers it).
EXAMPLES = [
    ("laptop will not wake", "sleep"),
    ("bill as pdf for my accountant", "invoice"),
    ("double payment on my credit card", "charged"),
    ("forgot password email not received", "password"),
    ("save client list as csv", "export"),
    ("empty sheets coming out after upgrading", "printer"),
    ("wireless keeps disconnecting", "wifi"),
    ("night theme for the screen", "dark"),
    ("refund for yearly subscription", "refund"),
    ("interface in another language", "language"),
    ("ERR_4471", "err"),
    ("zapier zap for tickets", "zapier"),
    ("KB-2291 link", "kb"),
    ("where to buy an FN-300", "fan"),
    ("port 8443 blocked", "hotel"),
    ("report timezone setting", "totals"),
]


def embed() -> None:
    """Let the embedder consumer handle every committed event, as the runner thread would."""
    run_until_caught_up(CONSUMER)


@pytest.fixture
def forum(app):
    """The FORUM's threads (key -> thread), lexically indexed and embedded."""
    asker, category = factories.user(), factories.category("Help", "help")
    helper, threads = factories.user(), {}
    for key, (title, body, *answer) in FORUM.items():
        threads[key] = factories.thread(asker, category, title=title, body=body)
        for text in answer:
            factories.answer(threads[key], helper, body=text)
    catch_up()
    embed()
    return threads


@pytest.fixture(params=BACKENDS)
def backend_name(request, app):
    use_backend(app, request.param)
    return request.param
