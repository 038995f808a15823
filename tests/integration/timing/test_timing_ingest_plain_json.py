"""A plain JSON batch is stored straight from the payload (PostgreSQL reads it, no Python
object per read): it must store exactly what the item-by-item reading stores, and refuse
what it refuses."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from athsys.timing.formats.json_batch import read_plain_batch
from athsys.timing.passing import ParseOptions
from tests.integration.timing.timing_ingest_support import PARIS, Race, bearer, count

pytestmark = pytest.mark.integration

# Every member and its absence, times with and without an offset, a bib-only read, gun
# markers at a named point, at an unknown one and at none, a timing point written in
# another case, a point left to the device.
ITEMS = [
    {"read_id": "a1", "chip": "C101", "timestamp": "2025-10-12T09:30:00.123+02:00",
     "timing_point": "finish", "hits": 12, "rssi": -61, "antenna": 2},
    {"read_id": "a2", "chip": "C102", "timestamp": "2025-10-12T07:31:00.5Z"},
    {"read_id": "a3", "bib": "1402", "timestamp": "2025-10-12T09:32:00.12",
     "timing_point": "FINISH", "is_gun": False},
    {"read_id": "a4", "chip": "C103", "bib": None, "timestamp": "2025-10-12T09:33:00",
     "hits": None, "rssi": None, "antenna": 0, "timing_point": "5k"},
    {"read_id": "g1", "is_gun": True, "timestamp": "2025-10-12T09:00:00.000+02:00",
     "timing_point": "start"},
    {"read_id": "g2", "is_gun": True, "timestamp": "2025-10-12T09:00:01.000+02:00",
     "timing_point": "the bridge"},
    {"read_id": "g3", "is_gun": True, "timestamp": "2025-10-12T09:00:02+02:00"},
    {"read_id": "a5", "chip": "C104", "timestamp": "2025-10-12T07:34:00.999-00:00",
     "timing_point": None},
]
_STORED = text(
    "SELECT r.read_id, r.chip, r.bib, p.name, r.read_at, r.is_gun, r.hits, r.rssi, r.antenna"
    " FROM timing_read r LEFT JOIN timing_point p ON p.id = r.timing_point_id"
    " WHERE r.device_id = :device ORDER BY r.read_id")


def _post(client: FlaskClient, token: str, body: str):  # type: ignore[no-untyped-def]
    return client.post("/api/timing/passings", data=body.encode(),
                       content_type="application/json", headers=bearer(token))


def _stored(engine: Engine, device_id: int) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(_STORED, {"device": device_id})]


def test_a_plain_batch_stores_what_the_item_by_item_reading_stores(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    plain = json.dumps(ITEMS, indent=1)
    # the same reads, with one chip written with an escape: read item by item
    escaped = plain.replace('"C101"', '"C10\\u0031"')
    options = ParseOptions(tz=PARIS)
    assert read_plain_batch(plain, options) is not None
    assert read_plain_batch(escaped, options) is None

    for device, body in (("finish", plain), ("finish-backup", escaped)):
        response = _post(client, race.tokens[device], body)
        assert response.status_code == 202, response.get_json()
        assert response.get_json()["data"]["accepted"] == len(ITEMS)

    stored = _stored(committed_db, race.device_ids["finish"])
    assert stored == _stored(committed_db, race.device_ids["finish-backup"])
    assert len(stored) == len(ITEMS)
    by_id = {row[0]: row for row in stored}
    assert by_id["a1"][1:] == ("C101", None, "finish", by_id["a1"][4], False, 12, -61, 2)
    assert by_id["a2"][4] == by_id["a1"][4].replace(minute=31, second=0, microsecond=500_000)  # type: ignore[union-attr]
    assert by_id["a3"][3] == "finish" and by_id["a5"][3] == "finish"  # the device's point
    assert [by_id[g][3] for g in ("g1", "g2", "g3")] == ["start", None, None]


def test_a_plain_batch_posted_again_stores_nothing_twice(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    body = json.dumps(ITEMS)
    first = _post(client, race.tokens["finish"], body)
    again = _post(client, race.tokens["finish"], body)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.get_json()["data"]["replay"] is True
    # the same reads in another payload: each a duplicate, none stored again
    reordered = _post(client, race.tokens["finish"], json.dumps(ITEMS[::-1]))
    assert reordered.status_code == 202
    assert (reordered.get_json()["data"]["accepted"],
            reordered.get_json()["data"]["duplicate"]) == (0, len(ITEMS))
    assert count(committed_db, "timing_read") == len(ITEMS)


@pytest.mark.parametrize(("item", "field", "problem"), [
    ({"timing_point": "the bridge"}, "timing_point", "unknown timing point 'the bridge'"),
    ({"chip": "C" * 33}, "chip", "Length must be between 1 and 32."),
    ({"bib": "1" * 13, "chip": None}, "bib", "Length must be between 1 and 12."),
])
def test_a_bad_read_in_a_plain_looking_batch_is_named_and_nothing_stored(
    client: FlaskClient, race: Race, committed_db: Engine, item: dict[str, object],
    field: str, problem: str,
) -> None:
    items = [*ITEMS[:3], {"read_id": "bad", "chip": "C109",
                          "timestamp": "2025-10-12T09:40:00.000+02:00", **item}]
    body = json.dumps(items, indent=1)
    response = _post(client, race.tokens["finish"], body)
    assert response.status_code == 400, response.get_json()
    errors = response.get_json()["error"]["details"]["errors"]
    line = body[:body.rfind("{")].count("\n") + 1  # where the bad item starts
    assert errors == [{"line": line, "field": field, "problem": errors[0]["problem"]}]
    assert problem in errors[0]["problem"]
    assert count(committed_db, "timing_read") == 0
    assert count(committed_db, "read_batch") == 0


def test_a_member_named_twice_is_refused_naming_it(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    body = json.dumps(ITEMS[:2], indent=1).replace('"chip": "C102"', '"chip": "C102", "chip": "X"')
    response = _post(client, race.tokens["finish"], body)
    assert response.status_code == 400
    errors = response.get_json()["error"]["details"]["errors"]
    assert "duplicate member 'chip'" in errors[0]["problem"]
    assert count(committed_db, "timing_read") == 0


def test_a_decoder_line_with_a_chip_longer_than_stored_is_named(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    """Before, a chip longer than ``timing_read`` stores was a 500 from the database."""
    lines = "\r\n".join(
        f"{n};{chip};2025-10-12;09:3{n}:12.345;1;5;-61;;1;1;1;0;1;99;21;;Box1;1;2;42"
        for n, chip in ((1, "C101"), (2, "C" * 33)))
    response = client.post("/api/timing/passings", data=lines, content_type="text/plain",
                           headers=bearer(race.tokens["finish"]))
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["details"]["errors"] == [
        {"line": 2, "field": "chip", "problem": "longer than 32 characters"}]
    assert count(committed_db, "timing_read") == 0
