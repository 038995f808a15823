import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from athsys.errors import ValidationError
from athsys.timing.formats.json_batch import parse_json_batch
from athsys.timing.passing import ParseOptions

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parent / "samples"
PLUS_TWO = timezone(timedelta(hours=2))


def errors_of(body, options=None):
    with pytest.raises(ValidationError) as info:
        parse_json_batch(body, options)
    return info.value.details["errors"]


def batch(*items):
    return json.dumps(list(items), indent=1)


def item(**overrides):
    base = {"read_id": "r1", "chip": "058812", "timestamp": "2024-10-13T09:47:12.347Z"}
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not ...}


def test_valid_sample():
    passings = parse_json_batch(
        (SAMPLES / "json_batch_valid.json").read_bytes(), ParseOptions(tz=PLUS_TWO)
    )
    assert [p.read_id for p in passings] == ["F1-000123", "F1-000124", "G-1"]
    first, second, gun = passings
    assert first.timestamp == datetime(2024, 10, 13, 7, 47, 12, 347000, tzinfo=UTC)
    assert (first.chip, first.timing_point, first.hits, first.rssi, first.antenna) == (
        "058812",
        "finish",
        12,
        -61,
        2,
    )
    assert first.line == 2
    # no offset: read in the competition's time zone
    assert second.timestamp == datetime(2024, 10, 13, 9, 47, 13, 10000, tzinfo=PLUS_TWO)
    assert (second.chip, second.bib, second.line) == (None, "1402", 4)
    assert gun.is_gun and gun.chip is None and gun.bib is None and gun.timing_point == "start"


def test_malformed_json_names_line_and_column():
    errors = errors_of((SAMPLES / "json_batch_malformed.json").read_text())
    assert len(errors) == 1
    assert errors[0]["line"] == 3
    assert "malformed JSON" in errors[0]["problem"]


def test_unknown_field_is_rejected_naming_field_and_line():
    errors = errors_of(batch(item(), item(read_id="r2", colour="red")))
    assert errors == [{"line": 7, "field": "colour", "problem": "Unknown field."}]


def test_every_bad_item_is_reported_and_nothing_partial_returned():
    body = batch(
        item(),
        item(read_id="r2", chip=..., bib=...),
        item(read_id="r3", hits="12"),
        item(read_id="r4", timestamp="13/10/2024 09:47"),
    )
    errors = errors_of(body)
    assert {(e["line"], e["field"]) for e in errors} == {
        (7, "chip"),
        (11, "hits"),
        (17, "timestamp"),
    }


def test_sub_millisecond_timestamp_is_rejected():
    errors = errors_of(batch(item(timestamp="2024-10-13T09:47:12.347500Z")))
    assert errors[0]["field"] == "timestamp"
    assert "milliseconds" in errors[0]["problem"]


def test_timestamp_a_day_away_from_the_competition_window():
    window = ParseOptions(
        valid_from=datetime(2024, 10, 13, 6, 0, tzinfo=UTC),
        valid_until=datetime(2024, 10, 13, 18, 0, tzinfo=UTC),
    )
    body = batch(item(), item(read_id="r2", timestamp="2024-10-14T09:47:12.347Z"))
    errors = errors_of(body, window)
    assert errors == [
        {
            "line": 7,
            "field": "timestamp",
            "problem": "2024-10-14T09:47:12.347000+00:00 is after the competition window "
            "(until 2024-10-13T18:00:00+00:00)",
        }
    ]
    assert len(parse_json_batch(batch(item()), window)) == 1


def test_duplicate_read_ids_in_one_batch():
    errors = errors_of(batch(item(), item(chip="other")))
    assert errors == [
        {"line": 7, "field": "read_id", "problem": "duplicate read id 'r1' (first on line 2)"}
    ]


def test_batch_size_limit_is_configurable():
    body = batch(*(item(read_id=f"r{i}") for i in range(3)))
    assert len(parse_json_batch(body, ParseOptions(max_lines=3))) == 3
    with pytest.raises(ValidationError, match="more than 2 passings"):
        parse_json_batch(body, ParseOptions(max_lines=2))


def test_default_limit_is_ten_thousand():
    body = "[" + ",".join(json.dumps(item(read_id=f"r{i}")) for i in range(10_001)) + "]"
    with pytest.raises(ValidationError, match="more than 10000 passings"):
        parse_json_batch(body)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('{"read_id": "r1"}', "expected a JSON array"),
        ("[]", "no passings"),
        ('[{"read_id": "r1", "read_id": "r2"}]', "duplicate member 'read_id'"),
        ('[{"read_id": "r1", "hits": NaN}]', "NaN is not a JSON number"),
        ("[1, 2] x", "extra data"),
    ],
)
def test_bad_documents(body, problem):
    errors = errors_of(body)
    assert problem in errors[0]["problem"]
    assert errors[0]["line"] == 1


def test_item_that_is_not_an_object():
    errors = errors_of('[\n"r1"\n]')
    assert errors == [{"line": 2, "field": None, "problem": "expected an object, got str"}]


def test_strict_types():
    errors = errors_of(batch(item(read_id=17, antenna=1.5, is_gun="yes")))
    assert {e["field"] for e in errors} == {"read_id", "antenna", "is_gun"}


def test_binary_body():
    with pytest.raises(ValidationError, match="binary"):
        parse_json_batch((SAMPLES / "binary_upload.bin").read_bytes())
