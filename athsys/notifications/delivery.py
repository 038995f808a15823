"""Sending one notification: e-mail through SMTP, a signed JSON POST to a webhook, or (in the
web UI) nothing at all.

Each sender returns a :class:`DeliveryResult` instead of raising, classifying the failure:
*transient* (a timeout, a refused connection, an HTTP 5xx/408/429, an SMTP 4xx) is retried
later; *permanent* (any other HTTP 4xx or a redirect, an SMTP 5xx, a malformed address) is
not, because sending the same thing again cannot succeed.

Webhook signature: ``X-AthSys-Signature: sha256=<hex>`` where ``<hex>`` is the HMAC-SHA256,
keyed with the subscription's secret, of ``"<timestamp>.<body>"``; ``<timestamp>`` is the
``X-AthSys-Timestamp`` header (Unix seconds). A receiver recomputes it over the raw body
and rejects timestamps more than five minutes away (replay); ``tests/support/webhook_receiver.py``
does both, as a receiver would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from athsys.config import Settings

TIMESTAMP_HEADER = "X-AthSys-Timestamp"
SIGNATURE_HEADER = "X-AthSys-Signature"
DELIVERY_HEADER = "X-AthSys-Delivery"
SIGNATURE_SCHEME = "sha256="
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")
_TRANSIENT_HTTP = frozenset({408, 425, 429})


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    permanent: bool = False
    error: str = ""

    @classmethod
    def sent(cls) -> DeliveryResult:
        return cls(True)

    @classmethod
    def retry(cls, error: str) -> DeliveryResult:
        return cls(False, False, error)

    @classmethod
    def give_up(cls, error: str) -> DeliveryResult:
        return cls(False, True, error)


# -- webhooks -----------------------------------------------------------------------------------

def encode_body(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_SCHEME + mac.hexdigest()


def check_webhook_url(url: str) -> str | None:
    """Why ``url`` cannot be a webhook target, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "a webhook URL must start with http:// or https://"
    if not parts.hostname:
        return "a webhook URL must name a host"
    if parts.username or parts.password:
        return "a webhook URL must not carry credentials; use the signing secret"
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect surfaces as an HTTPError with its 3xx status


_opener = urllib.request.build_opener(_NoRedirect)


def send_webhook(
    url: str,
    secret: str,
    payload: Mapping[str, Any],
    *,
    delivery_id: str,
    timeout_s: float,
    now: float | None = None,
) -> DeliveryResult:
    problem = check_webhook_url(url)
    if problem:
        return DeliveryResult.give_up(problem)
    body = encode_body(payload)
    timestamp = str(int(time.time() if now is None else now))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "AthSys-Webhook/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            DELIVERY_HEADER: delivery_id,
        },
    )
    host = urlsplit(url).hostname
    try:
        with _opener.open(request, timeout=timeout_s) as response:
            response.read(1024)
            return DeliveryResult.sent()
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
        message = f"webhook {host} answered HTTP {status}"
        if status >= 500 or status in _TRANSIENT_HTTP:
            return DeliveryResult.retry(message)
        if 300 <= status < 400:
            return DeliveryResult.give_up(f"{message} (a redirect; update the webhook URL)")
        return DeliveryResult.give_up(message)
    except TimeoutError:
        return DeliveryResult.retry(f"webhook {host} did not answer within {timeout_s:g} s")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return DeliveryResult.retry(f"webhook {host} did not answer within {timeout_s:g} s")
        return DeliveryResult.retry(f"webhook {host} unreachable: {reason}")
    except (OSError, ValueError) as exc:
        return DeliveryResult.retry(f"webhook {host} failed: {type(exc).__name__}: {exc}")


# -- in the web UI ------------------------------------------------------------------------------

def deliver_in_app() -> DeliveryResult:
    """Nothing leaves the platform: the outbox row is the message. Recording it as sent is
    what puts it in its user's list of notifications (which shows only sent ones)."""
    return DeliveryResult.sent()


# -- e-mail --------------------------------------------------------------------------------------

def check_address(address: str) -> str | None:
    """Why ``address`` cannot receive e-mail, or None."""
    if len(address) > 254 or not _ADDRESS.match(address):
        return f"{address!r} is not an e-mail address"
    return None


def build_message(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def _smtp_failure(code: int, what: str) -> DeliveryResult:
    message = f"SMTP server refused {what} ({code})"
    return DeliveryResult.give_up(message) if code >= 500 else DeliveryResult.retry(message)


def send_email(settings: Settings, to: str, subject: str, body: str) -> DeliveryResult:
    problem = check_address(to)
    if problem:
        return DeliveryResult.give_up(problem)
    message = build_message(settings, to, subject, body)
    host = settings.smtp_host
    try:
        smtp: smtplib.SMTP
        if settings.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(host, settings.smtp_port, timeout=settings.smtp_timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, settings.smtp_port, timeout=settings.smtp_timeout)
        with smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code = min(int(c) for c, _ in exc.recipients.values())
        return _smtp_failure(code, f"the recipient {to}")
    except smtplib.SMTPSenderRefused as exc:
        return _smtp_failure(exc.smtp_code, f"the sender {settings.smtp_from}")
    except smtplib.SMTPAuthenticationError as exc:
        return _smtp_failure(exc.smtp_code, "the login (check SMTP_USER/SMTP_PASSWORD)")
    except smtplib.SMTPResponseException as exc:
        return _smtp_failure(exc.smtp_code, "the message")
    except (smtplib.SMTPException, OSError) as exc:
        return DeliveryResult.retry(
            f"SMTP server {host}:{settings.smtp_port} failed: {type(exc).__name__}: {exc}"
        )
    return DeliveryResult.sent()


def render_email(payload: Mapping[str, Any]) -> tuple[str, str]:
    """Subject and plain-text body of a result notification."""
    team = payload.get("team")
    athlete = team or payload.get("athlete") or {}
    event = payload.get("event", {})
    competition = payload.get("competition", {})
    result = payload.get("result", {})
    state = "official" if payload.get("kind") == "result.official" else "unofficial"
    name = (team["name"] if team else
            f"{athlete.get('first_name', '')} {athlete.get('last_name', '')}".strip())
    performance = result.get("mark_display") or result.get("status") or ""
    place = f"place {result['place']}, " if result.get("place") else ""
    subject = f"{name}: {event.get('name', '')} {performance} ({state})"
    lines = [
        f"{competition.get('name', '')}",
        f"{event.get('name', '')}, {payload.get('heat', {}).get('label', '')}",
        "",
        f"{name} ({athlete.get('club') or 'no club'}): {place}{performance}",
    ]
    if team and team.get("legs"):
        lines.append("Legs: " + ", ".join(f"{leg['leg']}. {leg['name']}" for leg in team["legs"]))
    if result.get("wind_display"):
        lines.append(f"wind {result['wind_display']} m/s")
    lines += ["", f"This result is {state}."]
    return subject, "\n".join(lines) + "\n"
