"""The demo community `make run` starts with: categories, one user of each role, threads, answers."""
from sqlalchemy import func, select

from core.database import db
from community import services
from community.models import Category, User

PASSWORD = "demo-password"
PEOPLE = [("admin", "admin"), ("mod", "moderator"), ("agent", "support"),
          ("ada", "member"), ("grace", "member"), ("linus", "member")]
CATEGORIES = [
    ("Getting started", "Installing, signing in and first steps."),
    ("Billing", "Invoices, plans and payment methods."),
    ("Integrations", "APIs, webhooks and connecting other tools."),
]
THREADS = [
    ("ada", "Getting started", "How do I reset my password if I lost access to my email?",
     "I changed jobs and no longer have my old work address. How can I get back into my account?",
     ["account", "password"],
     [("grace", "Open **Settings → Security** from any signed-in device and add a new address "
                "first. If you are locked out entirely, support can verify you by your last invoice "
                "number.", True),
      ("linus", "Support fixed this for me in a day; have your invoice number ready.", False)]),
    ("grace", "Billing", "Can I switch from monthly to annual billing mid-cycle?",
     "We are on the monthly plan and want to move to annual. Do we lose the days already paid?",
     ["billing", "plans"],
     [("ada", "Yes. The unused part of the month is credited pro rata to the annual invoice.", True)]),
    ("linus", "Integrations", "Webhook deliveries fail with a 401 from our endpoint",
     "Our endpoint verifies signatures but every delivery is refused. What are we missing?",
     ["webhooks", "api"],
     [("grace", "Check that you sign `id.timestamp.body` with the raw body bytes, not re-serialised "
                "JSON. Re-serialising changes whitespace and the HMAC no longer matches.", False)]),
    ("ada", "Integrations", "Is there a rate limit on the JSON API?",
     "We plan to sync a few thousand records each night. Will we be throttled?",
     ["api"], []),
]


def seed_demo_community() -> bool:
    """Create the demo data through the service functions; False if the database has users."""
    if db.session.scalar(select(func.count(User.id))):
        return False
    people = {}
    for name, role in PEOPLE:
        people[name] = services.register_user(name, f"{name}@example.com", PASSWORD, role)
    admin = people["admin"]
    for position, (name, description) in enumerate(CATEGORIES):
        services.create_category(admin, name, description=description, position=position)
    slugs = {c.name: c.slug for c in db.session.scalars(select(Category))}
    for author, category, title, body, tags, answers in THREADS:
        thread = services.create_thread(people[author], title, body, slugs[category], tags)
        for answerer, text, accepted in answers:
            post = services.create_answer(people[answerer], thread.id, text)
            voter = people["linus"] if answerer != "linus" else people["ada"]
            services.cast_vote(voter, post.id, 1)
            if accepted:
                services.accept_answer(people[author], thread.id, post.id)
    return True
