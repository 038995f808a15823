"""ops/nginx/nginx.conf's limits match the app's settings (the live test is in
tests/integration/deploy/test_deploy_nginx.py)."""

from __future__ import annotations

import re

import pytest

from athsys.config import Settings
from tests.support.deploy import ROOT

pytestmark = pytest.mark.unit

CONF = (ROOT / "ops" / "nginx" / "nginx.conf").read_text()
UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}


def _blocks() -> dict[str, str]:
    """The body of each ``location`` block, by its match (no nested blocks in them)."""
    return {m[1].strip(): m[2] for m in re.finditer(r"location ([^{]+)\{([^}]*)\}", CONF)}


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([km]?)", value.lower()).groups()
    return int(number) * UNITS[unit]


def test_body_limits_equal_the_apps() -> None:
    (default,) = re.findall(r"^    client_max_body_size (\w+);", CONF, flags=re.M)
    assert _size(default) == Settings.max_content_length
    (ingest,) = re.findall(r"client_max_body_size (\w+);", _blocks()["/api/timing/"])
    assert _size(ingest) == Settings.ingest_max_body_bytes


def test_only_the_live_stream_has_long_timeouts_and_no_buffering() -> None:
    long_or_unbuffered = {match for match, body in _blocks().items()
                          if re.search(r"_timeout \d+h|proxy_buffering off", body)}
    # the competition stream (athsys live-stream) and the scoreboard streams (the app)
    patterns = [stream.removeprefix("~ ") for stream in long_or_unbuffered]
    assert len(patterns) == 2
    for path in ("/live/12/stream", "/live/heats/3/board/stream"):
        assert sum(bool(re.match(pattern, path)) for pattern in patterns) == 1, path
    assert not any(re.match(pattern, "/live/12") for pattern in patterns)
    assert re.findall(r"^        proxy_read_timeout (\w+);", CONF, flags=re.M) == ["75s"]
