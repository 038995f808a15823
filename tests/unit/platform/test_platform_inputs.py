"""The limits every input from outside obeys (athsys.inputs) and Flask's JSON reader."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import Flask

from athsys.inputs import (
    INTEGER_MAX,
    InputError,
    load_json,
    moment_problem,
    whole_number,
)
from webui.inputs import LimitedJSONProvider

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("raw", "problem"), [
    ("[" * 33 + "]" * 33, "nests deeper than 32"),
    ("[" * 100_000 + "]" * 100_000, "nests deeper than 32"),
    ('{"a": "x\\u0000y"}', "a: contains a NUL"),
    ('{"a\\u0000": 1}', "a member name: contains a NUL"),
    ("[" + "9" * 41 + "]", "more than 40 digits"),
    ("[1e400]", "out of range"),
    ("[NaN]", "NaN is not a JSON number"),
    ("[1] [2]", "extra data"),
])
def test_json_beyond_the_limits(raw: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        load_json(raw)


def test_json_within_the_limits() -> None:
    expected: object = 1
    for _ in range(31):
        expected = [expected]
    raw = b'\xef\xbb\xbf {"a": ' + b"[" * 31 + b"1" + b"]" * 31 + b"} "
    assert load_json(raw) == {"a": expected}  # 32 levels: the object and 31 lists


def test_flask_reader_keeps_the_session_serializers_hook() -> None:
    provider = LimitedJSONProvider(Flask(__name__))
    assert provider.loads('{" t": [1, 2]}', object_hook=lambda d: tuple(d[" t"])) == (1, 2)
    with pytest.raises(ValueError, match="NUL"):
        provider.loads('["\\u0000"]')


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("007", 7), (str(INTEGER_MAX), INTEGER_MAX), (str(INTEGER_MAX + 1), None),
    ("0" * 50 + "1", 1), ("9" * 5000, None), ("²", None), ("٣", None), ("-1", None), ("", None),
])
def test_whole_number(text: str, value: int | None) -> None:
    assert whole_number(text) == value


def test_moments_and_offsets() -> None:
    assert moment_problem(datetime(2025, 6, 1, tzinfo=timezone(timedelta(hours=15, minutes=59))))\
        is None
    assert "±15:59" in (moment_problem(datetime(2025, 6, 1, tzinfo=timezone(timedelta(hours=16))))
                        or "")
    assert moment_problem(datetime(1, 1, 1, tzinfo=UTC))
    assert moment_problem(datetime(9999, 12, 31))
    assert moment_problem(datetime.combine(date(2999, 12, 31), datetime.min.time())) is None
