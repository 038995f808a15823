import random
from datetime import timedelta

import pytest

from athsys.config import get_config
from athsys.notifications import delivery
from athsys.notifications.service import RETRY_CAP_S, retry_delay
from tests.support.webhook_receiver import REPLAY_TOLERANCE_S, verify_signature

pytestmark = pytest.mark.unit

SECRET = "whsec-0123456789abcdef"


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    body = delivery.encode_body({"b": 1, "a": "ü"})
    assert body == b'{"a":"\\u00fc","b":1}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert delivery.sign(SECRET, "1700000000", body) == "sha256=" + expected


def test_receiver_rejects_tampering_other_secrets_and_replays() -> None:
    body = delivery.encode_body({"kind": "result.official"})
    signature = delivery.sign(SECRET, "1700000000", body)
    assert verify_signature(SECRET, "1700000000", body, signature, now=1700000100)
    assert not verify_signature(SECRET, "1700000000", body + b"x", signature,
                                         now=1700000100)
    assert not verify_signature(SECRET, "1700000001", body, signature, now=1700000100)
    assert not verify_signature("other-secret-value", "1700000000", body, signature,
                                         now=1700000100)
    assert not verify_signature(SECRET, "1700000000", body, signature,
                                         now=1700000000 + REPLAY_TOLERANCE_S + 1)
    assert not verify_signature(SECRET, "yesterday", body, signature)


def test_retry_delay_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    for attempts, ceiling in ((1, 30), (2, 60), (3, 120), (6, 960)):
        delays = {retry_delay(attempts, 30, rng) for _ in range(50)}
        assert all(timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling)
                   for d in delays)
        assert len(delays) > 40  # jittered, not in step
    assert retry_delay(30, 30, rng) <= timedelta(seconds=RETRY_CAP_S)


@pytest.mark.parametrize("address", ["coach@example.com", "a.b+meet@club.co.uk"])
def test_good_addresses(address: str) -> None:
    assert delivery.check_address(address) is None


@pytest.mark.parametrize("address", ["", "coach", "coach@", "@example.com", "a b@example.com",
                                     "x@example", "a@b.com, c@d.com"])
def test_bad_addresses_are_permanent_failures(address: str) -> None:
    assert delivery.check_address(address) is not None
    outcome = delivery.send_email(get_config("testing", environ={}), address, "s", "b")
    assert outcome.permanent and not outcome.ok


@pytest.mark.parametrize("url, problem", [
    ("https://hooks.example.com/athsys", None),
    ("ftp://example.com/x", "http"),
    ("https:///nohost", "host"),
    ("https://user:pw@example.com/", "credentials"),
])
def test_webhook_urls(url: str, problem: str | None) -> None:
    found = delivery.check_webhook_url(url)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_email_text_names_athlete_mark_and_state() -> None:
    subject, body = delivery.render_email({
        "kind": "result.unofficial",
        "competition": {"name": "Spring Open"},
        "event": {"name": "Women 100 m"},
        "heat": {"label": "final 1"},
        "athlete": {"first_name": "Dina", "last_name": "Swift", "club": "Striders"},
        "result": {"place": 1, "mark_display": "11.21", "wind_display": "-0.5", "status": "OK"},
    })
    assert subject == "Dina Swift: Women 100 m 11.21 (unofficial)"
    assert "Striders" in body and "place 1, 11.21" in body and "wind -0.5 m/s" in body
