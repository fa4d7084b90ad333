"""Configuration from the environment (see ../shared/API.md); no .env file is required."""
import json
import os
import secrets
from pathlib import Path

from argon2.profiles import RFC_9106_LOW_MEMORY


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _count(name: str) -> int:
    value = os.environ.get(name, "0").strip()
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number (got {value!r})")
    return int(value)


def _private_file(path: Path) -> None:
    """Create the file readable by its owner only (SQLite gives its -wal/-shm files the same)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        _private_file(path)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value and value.strip() else default


def _served_at() -> str:
    """Where `make run` serves (HOST, PORT): the default address in mailed links. A wildcard
    host (0.0.0.0) names no address a reader can open; set PUBLIC_URL then."""
    host = os.environ.get("HOST", "").strip() or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('PORT', '').strip() or '5000'}"


def _account_settings() -> dict:
    """Passwords, sign-in lockout, mailed account links and mail delivery."""
    return {
        # Argon2id cost; production keeps argon2-cffi's RFC 9106 low-memory profile.
        "PASSWORD_HASH_TIME_COST": _int("PASSWORD_HASH_TIME_COST", RFC_9106_LOW_MEMORY.time_cost),
        "PASSWORD_HASH_MEMORY_COST": _int("PASSWORD_HASH_MEMORY_COST",
                                          RFC_9106_LOW_MEMORY.memory_cost),
        "PASSWORD_HASH_PARALLELISM": _int("PASSWORD_HASH_PARALLELISM",
                                          RFC_9106_LOW_MEMORY.parallelism),
        # After this many failed sign-ins for one account within the window, it is locked.
        "SIGN_IN_LOCKOUT_FAILURES": 10,
        "SIGN_IN_LOCKOUT_WINDOW": 15 * 60,
        "SIGN_IN_LOCKOUT_SECONDS": 15 * 60,
        "ACCOUNT_LINK_LIFETIME": 60 * 60,  # password reset and email confirmation links
        "PASSWORD_RESETS_PER_HOUR": 3,  # mails per account, so nobody is mail-bombed
        "API_TOKENS_PER_USER": 50,
        "PUBLIC_URL": (os.environ.get("PUBLIC_URL") or _served_at()).rstrip("/"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Commonplace <noreply@localhost>"),
        "MAIL_TIMEOUT": 10,
    }


# Reputation needed for each privilege (staff bypass them all). `mature` is Stack Overflow's.
PRIVILEGE_PRESETS = {
    "small": {"vote_up": 1, "flag": 1, "vote_down": 50, "edit_others": 500, "close": 1000},
    "mature": {"vote_up": 15, "flag": 15, "vote_down": 125, "edit_others": 2000, "close": 3000},
}


def _reputation_settings(preset: str) -> dict:
    """Privileges, ranks, badges' and super-users' numbers; every one can be overridden."""
    if preset not in PRIVILEGE_PRESETS:
        raise ValueError(f"REPUTATION_PRESET must be one of {', '.join(PRIVILEGE_PRESETS)}")
    return {
        "REPUTATION_PRIVILEGES": dict(PRIVILEGE_PRESETS[preset]),
        # The presets an administrator may pick on /staff/settings (kept in the database).
        "REPUTATION_PRESETS": {name: dict(numbers) for name, numbers in PRIVILEGE_PRESETS.items()},
        # (threshold, name), lowest first: the name shown beside the author of every post.
        "REPUTATION_RANKS": [(1, "Newcomer"), (50, "Contributor"), (200, "Regular"),
                             (1000, "Expert"), (5000, "Guru")],
        # Who is nominated as a super-user (moderators then grant or refuse).
        "SUPER_USER_MIN_ACCEPTED": 10,
        "SUPER_USER_WINDOW_DAYS": 90,
        "SUPER_USER_MIN_REPUTATION": 1000,
        # A super-user may accept an answer once the asker has been silent this long.
        "SUPER_USER_ACCEPT_AFTER_DAYS": 14,
    }


def _case_settings() -> dict:
    """Support cases: escalation targets, the agent who signs CRM resolutions, Salesforce."""
    env = os.environ.get
    return {
        # Hours an open thread may wait for a first answer (a category may set its own).
        "CASE_ANSWER_TARGET_HOURS": _int("CASE_ANSWER_TARGET_HOURS", 48),
        # Author of draft answers for cases escalated by the system (`crm escalate-stale`).
        "CRM_AGENT_USERNAME": env("CRM_AGENT_USERNAME") or None,
        # Each process asks the CRM for changed cases at most this often (seconds).
        "CRM_POLL_SECONDS": _int("CRM_POLL_SECONDS", 60),
        # The salesforce connector's settings; unset ones take the connector's defaults
        # (crm/connectors/salesforce.py, SalesforceSettings).
        **{f"SALESFORCE_{name}": env(f"SALESFORCE_{name}") or None for name in (
            "INSTANCE_URL", "SESSION_ID", "USERNAME", "PASSWORD", "SECURITY_TOKEN", "DOMAIN",
            "API_VERSION", "TIMEOUT", "CA_BUNDLE", "ARTICLE_OBJECT",
            "CASE_EXTERNAL_ID_FIELD", "CASE_RESOLUTION_FIELD", "TASK_EXTERNAL_ID_FIELD")},
        # Our article fields → the article object's, as JSON (e.g. {"problem": "Issue__c"}).
        "SALESFORCE_ARTICLE_FIELDS": json.loads(env("SALESFORCE_ARTICLE_FIELDS") or "null"),
    }


def load_config(overrides: dict | None = None) -> dict:
    """The settings a new app starts with; `overrides` (tests, scripts) win over the environment."""
    overrides = dict(overrides or {})
    instance = Path(overrides.pop("INSTANCE_PATH", None)
                    or os.environ.get("COMMONPLACE_INSTANCE_PATH", "instance")).resolve()
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    redis_url = os.environ.get("REDIS_URL") or None
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        _private_file(instance / "commonplace.db")
    config = {
        "INSTANCE_PATH": str(instance),
        # Demo accounts (known passwords) only ever go into the embedded SQLite default.
        "EMBEDDED_DATABASE": not database_url,
        "SECRET_KEY": overrides.pop("SECRET_KEY", None) or _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance / 'commonplace.db'}",
        "REDIS_URL": redis_url,
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", "whoosh"),
        # How long a Whoosh writer waits for the index's write lock (seconds).
        "SEARCH_WRITE_LOCK_TIMEOUT": 30.0,
        "SEARCH_SEMANTIC": _flag("SEARCH_SEMANTIC", True),
        "EMBEDDING_MODEL": os.environ.get("EMBEDDING_MODEL") or "all-MiniLM-L6-v2",
        "REPUTATION_PRESET": os.environ.get("REPUTATION_PRESET", "small"),
        "CRM_CONNECTOR": os.environ.get("CRM_CONNECTOR", "local"),
        "CRM_WEBHOOK_URL": os.environ.get("CRM_WEBHOOK_URL"),
        "CRM_WEBHOOK_SECRET": os.environ.get("CRM_WEBHOOK_SECRET"),
        # The outbox relay: a thread in each serving process (default on the embedded SQLite),
        # backoff base and cap (seconds); a row keeps being retried for at least
        # CRM_RELAY_RETRY_HOURS (the schedule's attempt count, crm.relay.attempts_allowed)
        # before it is dead, unless CRM_RELAY_MAX_ATTEMPTS fixes the count.
        "CRM_RELAY_THREAD": _flag("CRM_RELAY_THREAD", not database_url),
        "CRM_RELAY_RETRY_HOURS": _int("CRM_RELAY_RETRY_HOURS", 72),
        "CRM_RELAY_MAX_ATTEMPTS": _int("CRM_RELAY_MAX_ATTEMPTS", 0) or None,
        "CRM_RELAY_BACKOFF_BASE": 2.0,
        "CRM_RELAY_BACKOFF_MAX": 3600.0,
        "CRM_RELAY_BATCH": 50,
        "CRM_HTTP_TIMEOUT": 5.0,
        # A later answer scoring this much above the accepted one marks its knowledge item stale.
        "KNOWLEDGE_STALE_MARGIN": _int("KNOWLEDGE_STALE_MARGIN", 5),
        # Moderation defaults; an administrator may change them on /staff/settings (kept in the
        # database). HOLD_FIRST_POSTS: a member's first N posts wait for approval (0: off).
        "HOLD_FIRST_POSTS": _int("HOLD_FIRST_POSTS", 0),
        # Flags (weighted by the flagger's standing) that hide a post until a moderator looks.
        "FLAG_HIDE_THRESHOLD": _int("FLAG_HIDE_THRESHOLD", 3),
        # Below NEW_MEMBER_REPUTATION a member may put at most this many links in a post and
        # write this many posts a UTC day (0: no limit).
        "NEW_MEMBER_REPUTATION": _int("NEW_MEMBER_REPUTATION", 10),
        "NEW_MEMBER_MAX_LINKS": _int("NEW_MEMBER_MAX_LINKS", 0),
        "NEW_MEMBER_POSTS_PER_DAY": _int("NEW_MEMBER_POSTS_PER_DAY", 0),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        # Search and similar questions per client address (per account when signed in): a
        # person reads a page or two a minute; a scraper or a flood is cut off here.
        "SEARCH_RATE_LIMIT": os.environ.get("SEARCH_RATE_LIMIT") or "60 per minute",
        "TRUSTED_PROXIES": _count("TRUSTED_PROXIES"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis away: count in this process's memory (Flask-Limiter logs the switch and goes
        # back to Redis when it answers again) rather than fail every limited request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Seconds a client is told to wait when the database cannot be reached (a 503).
        "DATABASE_RETRY_AFTER": 5,
        # Bytes of anonymous thread pages each process keeps (least recently read go first).
        "PAGE_CACHE_BYTES": _int("PAGE_CACHE_BYTES", 128 * 1024 * 1024),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        # Behind HTTPS set COOKIE_SECURE=true; `make run` serves plain HTTP on localhost.
        "SESSION_COOKIE_SECURE": _flag("COOKIE_SECURE", False),
        "REMEMBER_COOKIE_SECURE": _flag("COOKIE_SECURE", False),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Request and content limits; the validation messages quote them.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "TITLE_MIN_LENGTH": 8,
        "TITLE_MAX_LENGTH": 200,
        "BODY_MIN_LENGTH": 10,
        "BODY_MAX_LENGTH": 30000,
        "MAX_TAGS": 5,
        # An author may undo the deletion of their own post for this long (staff at any time).
        "UNDELETE_HOURS": _int("UNDELETE_HOURS", 24),
        "USERNAME_MAX_LENGTH": 30,
        "PASSWORD_MIN_LENGTH": 8,
        "PAGE_SIZE": 20,
        # Reputation points (../shared/API.md); configurable, these are the defaults.
        "REPUTATION_POINTS": {
            "question_upvoted": 10,
            "answer_upvoted": 10,
            "post_downvoted": -2,
            "voter_downvote": -1,
            "answer_accepted": 15,
            "accepter": 2,
        },
        "REPUTATION_DAILY_CAP": 200,
        # Live updates: sockets a process accepts (0: no cap; `make run` keeps threads for
        # pages), and how old an event may be to be sent live (older ones only replay).
        "REALTIME_MAX_CONNECTIONS": _int("REALTIME_MAX_CONNECTIONS", 0),
        "REALTIME_MAX_AGE_SECONDS": 300,
        # The event log: how long handled events are kept (`flask events prune`).
        "EVENT_RETENTION_DAYS": _int("EVENT_RETENTION_DAYS", 30),
        # Spooled view counts and token uses are written this often (seconds) by each process.
        "COUNTER_FLUSH_SECONDS": 5,
        # Each web process runs the event-log consumers (search index, badges...) in a thread
        # this often (seconds) in the embedded default; 0 leaves it to `events run --loop`.
        # Tests run consumers themselves.
        "CONSUMERS_IN_PROCESS_SECONDS": float(os.environ.get(
            "CONSUMERS_IN_PROCESS_SECONDS",
            "0" if database_url or overrides.get("TESTING") else "1")),
    }
    config.update(_account_settings())
    config.update(_reputation_settings(overrides.get("REPUTATION_PRESET",
                                                     config["REPUTATION_PRESET"])))
    config.update(_case_settings())
    config.update(overrides)
    if "SQLALCHEMY_DATABASE_URI" in overrides and "EMBEDDED_DATABASE" not in overrides:
        config["EMBEDDED_DATABASE"] = not database_url and \
            config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    return config
