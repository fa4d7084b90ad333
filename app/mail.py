"""Outgoing mail through Flask-Mailman: SMTP when MAIL_SERVER is set, else each message is
written as an .eml file under <instance>/mail/. Plain-text bodies from templates/auth/mail/."""
import secrets
import smtplib
from datetime import datetime, UTC
from email.utils import parseaddr
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_mailman import BadHeaderError, EmailMessage, Mail
from flask_mailman.backends.base import BaseEmailBackend

mailman = Mail()


class EmlEmailBackend(BaseEmailBackend):
    """Writes each message to its own .eml file (open it with any mail program)."""

    def send_messages(self, messages) -> int:
        folder = Path(self.mailman.file_path)
        folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            (folder / f"{stamp}-{secrets.token_hex(4)}.eml").write_bytes(
                message.message().as_bytes())
        return len(messages)


def init_app(app) -> None:
    """(Re)configure delivery from app.config; tests call it again after pointing at a server."""
    config = app.config
    config["MAIL_BACKEND"] = "smtp" if config.get("MAIL_SERVER") else EmlEmailBackend
    config["MAIL_FILE_PATH"] = str(Path(config["INSTANCE_PATH"]) / "mail")
    config["MAIL_DEFAULT_SENDER"] = config["MAIL_FROM"]
    mailman.init_app(app)


def _header_safe(text: str) -> str:
    return " ".join(str(text).split())[:200]


def _address_ok(address: str) -> bool:
    """One plain address and nothing else: no display name, no second recipient, no newline."""
    if not isinstance(address, str) or any(c in address for c in "\r\n,;<>\"()"):
        return False
    return parseaddr(address)[1] == address and address.count("@") == 1


def send(to: str, subject: str, body: str, headers: dict | None = None) -> bool:
    """Send one plain-text message; False (and a log line) when it could not be delivered."""
    if not _address_ok(to):
        current_app.logger.warning("mail: refused an unsafe recipient address")
        return False
    message = EmailMessage(subject=_header_safe(subject), body=body,
                           from_email=current_app.config["MAIL_FROM"], to=[to],
                           headers={k: _header_safe(v) for k, v in (headers or {}).items()})
    try:
        message.send()
    except (OSError, smtplib.SMTPException, BadHeaderError) as exc:
        current_app.logger.error("mail: delivery of %r failed: %s", subject, exc)
        return False
    return True


def link(endpoint: str, **values) -> str:
    """An absolute link on PUBLIC_URL (the address people reach the site by)."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, _external=False, **values)


def absolute(path: str) -> str:
    """A path on the site as a link on PUBLIC_URL (for code that runs outside a request)."""
    return current_app.config["PUBLIC_URL"] + path


def send_template(to: str, subject: str, template: str, **context) -> bool:
    body = render_template(f"auth/mail/{template}.txt", **context)
    return send(to, subject, body)


def send_password_reset(user, token: str) -> bool:
    return send_template(user.email, "Reset your Commonplace password", "password_reset",
                         user=user, url=link("auth.reset_password", token=token),
                         minutes=current_app.config["ACCOUNT_LINK_LIFETIME"] // 60)


def send_address_confirmation(user, address: str, token: str) -> bool:
    """Confirm the account's own address, so notification mail may go to it."""
    return send_template(address, "Confirm your Commonplace email address", "address_confirm",
                         user=user, minutes=current_app.config["ACCOUNT_LINK_LIFETIME"] // 60,
                         url=link("auth.confirm_email", token=token))


def confirm_address(user) -> bool:
    """Mail a link confirming the account's own address (a new account, or from the
    notification settings): notification mail goes only to a confirmed address."""
    from community.services import request_email_confirmation
    link = request_email_confirmation(user)
    return link is not None and send_address_confirmation(user, *link)


def send_email_confirmation(user, old_email: str, new_email: str, token: str) -> bool:
    """The link goes to the new address; the old one is told, so a hijack does not go unseen."""
    minutes = current_app.config["ACCOUNT_LINK_LIFETIME"] // 60
    send_template(old_email, "Your Commonplace email address is being changed",
                  "email_change_notice", user=user, new_email=new_email,
                  reset_url=link("auth.forgot_password"))
    return send_template(new_email, "Confirm your new Commonplace email address",
                         "email_confirm", user=user, minutes=minutes,
                         url=link("auth.confirm_email", token=token))
