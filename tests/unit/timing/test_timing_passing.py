from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from athsys.errors import ValidationError
from athsys.timing.passing import (
    ErrorCollector,
    Passing,
    decode_body,
    local_moment,
    numbered_lines,
    parse_clock_ms,
    to_epoch_ms,
)

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parent / "samples"


def test_binary_upload_is_rejected_with_a_clear_error():
    with pytest.raises(ValidationError) as info:
        decode_body((SAMPLES / "binary_upload.bin").read_bytes(), "RACE RESULT")
    error = info.value.details["errors"][0]
    assert error["line"] == 1
    assert "not UTF-8" in error["problem"] and "binary" in error["problem"]


def test_non_utf8_byte_names_its_line():
    with pytest.raises(ValidationError) as info:
        decode_body(b"line one\nline two\nbad \xff here\n", "IPICO")
    assert info.value.details["errors"][0]["line"] == 3
    assert "0xff" in info.value.message


def test_nul_in_text_is_binary_content():
    with pytest.raises(ValidationError) as info:
        decode_body("ok\nok\x00\n", "IPICO")
    assert info.value.details["errors"][0]["line"] == 2


def test_utf8_bom_is_dropped():
    assert decode_body("\ufeffabc".encode(), "x") == "abc"


def test_numbered_lines_skip_blank_lines_and_strip_crlf_and_trailing_blanks():
    assert numbered_lines("a  \r\n\r\n b\r\n", 10, "x") == [(1, "a"), (3, "b")]


def test_line_limit():
    with pytest.raises(ValidationError, match="exceed the limit of 2"):
        numbered_lines("a\nb\nc\n", 2, "x")


def test_empty_payload():
    with pytest.raises(ValidationError, match="empty"):
        numbered_lines("\r\n  \n", 10, "x")


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("14:02:15.31", 50_535_310),
        ("09:00:00", 32_400_000),
        ("9:00:00.5", 32_400_500),
        ("23:59:59.999", 86_399_999),
    ],
)
def test_clock_to_milliseconds(clock, expected):
    assert parse_clock_ms(clock) == expected


@pytest.mark.parametrize("clock", ["24:00:00", "12:60:00", "12:00:00.1234", "noon", ""])
def test_bad_clock(clock):
    with pytest.raises(ValueError):
        parse_clock_ms(clock)


def test_passing_needs_an_aware_millisecond_timestamp():
    with pytest.raises(ValueError, match="timezone-aware"):
        Passing("1", datetime(2024, 10, 13, 9, 0))
    with pytest.raises(ValueError, match="millisecond"):
        Passing("1", datetime(2024, 10, 13, 9, 0, 0, 1500, tzinfo=UTC))


def test_epoch_ms_is_an_exact_integer_across_time_zones():
    plus_two = timezone(timedelta(hours=2))
    passing = Passing("1", datetime(2024, 10, 13, 11, 47, 12, 347000, tzinfo=plus_two))
    assert passing.epoch_ms == to_epoch_ms(datetime(2024, 10, 13, 9, 47, 12, 347000, tzinfo=UTC))
    assert passing.epoch_ms == 1_728_812_832_347


def test_local_moment():
    moment = local_moment(date(2024, 10, 13), 35_232_347, UTC)
    assert moment == datetime(2024, 10, 13, 9, 47, 12, 347000, tzinfo=UTC)


def test_error_collector_lists_every_problem():
    errors = ErrorCollector("RACE RESULT")
    errors.add(2, "time", "bad time")
    errors.add(5, "date", "bad date")
    with pytest.raises(ValidationError) as info:
        errors.raise_if_any()
    assert info.value.details == {
        "format": "RACE RESULT",
        "errors": [
            {"line": 2, "field": "time", "problem": "bad time"},
            {"line": 5, "field": "date", "problem": "bad date"},
        ],
    }
    assert "line 2 field 'time'" in info.value.message
    assert "line 5 field 'date'" in info.value.message
