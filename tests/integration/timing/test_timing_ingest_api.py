"""The device API: durable, idempotent storage, and every bad input refused with nothing stored."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.integration.timing.timing_ingest_support import (
    Race,
    at,
    bearer,
    count,
    dumps,
    passing,
)

pytestmark = pytest.mark.integration

SAMPLES = "tests/unit/timing/samples"


def _nothing_stored(engine: Engine) -> None:
    assert count(engine, "timing_read") == 0
    assert count(engine, "read_batch") == 0


def _error(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert body["success"] is False, body
    return body["error"]


def test_batch_is_stored_and_a_resend_stores_nothing_and_answers_the_same(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    batch = dumps([passing(f"F-{i}", f"C{101 + i}", 1800 + i) for i in range(5)])
    first = client.post("/api/timing/passings", data=batch, content_type="application/json",
                        headers=bearer(race.tokens["finish"]))
    assert first.status_code == 202, first.get_json()
    data = first.get_json()["data"]
    assert (data["accepted"], data["duplicate"], data["replay"]) == (5, 0, False)
    assert count(committed_db, "timing_read") == 5

    again = client.post("/api/timing/passings", data=batch, content_type="application/json",
                        headers=bearer(race.tokens["finish"]))
    assert again.status_code == 200
    repeat = again.get_json()["data"]
    assert (repeat["accepted"], repeat["duplicate"], repeat["batch_id"]) == (5, 0, data["batch_id"])
    assert count(committed_db, "timing_read") == 5
    assert count(committed_db, "read_batch") == 1

    overlapping = dumps([passing(f"F-{i}", f"C{101 + i}", 1800 + i) for i in range(3, 6)])
    partial = client.post("/api/timing/passings", data=overlapping,
                          content_type="application/json", headers=bearer(race.tokens["finish"]))
    assert partial.status_code == 202
    assert (partial.get_json()["data"]["accepted"],
            partial.get_json()["data"]["duplicate"]) == (1, 2)
    assert count(committed_db, "timing_read") == 6


def test_native_decoder_lines_are_accepted(client: FlaskClient, race: Race,
                                           committed_db: Engine) -> None:
    lines = "\r\n".join(
        f"{n};C{100 + n};2025-10-12;09:3{n}:12.345;1;5;-61;;1;1;1;0;1;99;21;;Box1;1;2;42"
        for n in (1, 2, 3)
    )
    response = client.post("/api/timing/passings", data=lines, content_type="text/plain",
                           headers=bearer(race.tokens["finish"]))
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["data"]["accepted"] == 3
    assert count(committed_db, "timing_read") == 3


def test_mylaps_messages_are_answered_with_their_acknowledgements(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    """A MYLAPS decoder resends each message until the host acknowledges it; its bridge
    relays the acknowledgements in the answer, a resend of the same payload gets them too."""
    body = ("finish@Passing@t=10:01:02.345|c=C101|d=251012@ 41@$\r\n"
            "finish@Passing@t=10:01:03.100|c=C102|d=251012@ 42@$\r\n")
    first = client.post("/api/timing/passings?format=mylaps", data=body,
                        content_type="text/plain", headers=bearer(race.tokens["finish"]))
    assert first.status_code == 202, first.get_json()
    acks = ["AthSys@AckPassing@ 41@$", "AthSys@AckPassing@ 42@$"]
    assert first.get_json()["data"]["acknowledgements"] == acks
    again = client.post("/api/timing/passings?format=mylaps", data=body,
                        content_type="text/plain", headers=bearer(race.tokens["finish"]))
    assert again.status_code == 200
    assert again.get_json()["data"]["acknowledgements"] == acks
    assert count(committed_db, "timing_read") == 2


def test_malformed_json_names_the_line(client: FlaskClient, race: Race,
                                       committed_db: Engine) -> None:
    body = (b'[\n{"read_id": "1", "chip": "C101", "timestamp": "' + at(1).encode()
            + b'"},\n{"read_id": 2,,}\n]')
    response = client.post("/api/timing/passings", data=body, content_type="application/json",
                           headers=bearer(race.tokens["finish"]))
    assert response.status_code == 400
    error = _error(response)
    assert "malformed JSON" in error["message"] and "line 3" in error["message"]
    assert error["details"]["errors"][0]["line"] == 3
    _nothing_stored(committed_db)


def test_one_bad_field_rejects_the_whole_batch(client: FlaskClient, race: Race,
                                               committed_db: Engine) -> None:
    items = [passing("1", "C101", 10), passing("2", "C102", 11)]
    items[1]["hits"] = "many"
    response = client.post("/api/timing/passings", data=dumps(items),
                           content_type="application/json", headers=bearer(race.tokens["finish"]))
    assert response.status_code == 400
    errors = _error(response)["details"]["errors"]
    assert errors == [{"line": 1, "field": "hits", "problem": "Not a valid integer."}]
    _nothing_stored(committed_db)


def test_unknown_timing_point_names_line_and_field(client: FlaskClient, race: Race,
                                                   committed_db: Engine) -> None:
    items = [passing("1", "C101", 10, timing_point="finish"),
             passing("2", "C102", 11, timing_point="moon")]
    response = client.post("/api/timing/passings", data=dumps(items),
                           content_type="application/json", headers=bearer(race.tokens["finish"]))
    assert response.status_code == 400
    error = _error(response)
    assert error["details"]["errors"][0]["field"] == "timing_point"
    assert "'moon'" in error["message"]
    _nothing_stored(committed_db)


@pytest.mark.parametrize("token", ["wrong-token", ""])
def test_wrong_token_is_refused(client: FlaskClient, race: Race, committed_db: Engine,
                                token: str) -> None:
    headers = bearer(token) if token else {}
    response = client.post("/api/timing/passings", data=dumps([passing("1", "C101", 1)]),
                           content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert "token" in _error(response)["message"]
    _nothing_stored(committed_db)


def test_revoked_and_rotated_tokens_stop_working(client: FlaskClient, race: Race,
                                                 committed_db: Engine, official_jwt) -> None:  # type: ignore[no-untyped-def]
    admin = official_jwt("Admin")
    device_id = race.device_ids["finish"]
    rotated = client.post(f"/api/timing/devices/{device_id}/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.get_json()
    new_token = rotated.get_json()["data"]["token"]
    old = client.post("/api/timing/passings", data=dumps([passing("1", "C101", 1)]),
                      content_type="application/json", headers=bearer(race.tokens["finish"]))
    assert old.status_code == 401
    ok = client.post("/api/timing/passings", data=dumps([passing("1", "C101", 1)]),
                     content_type="application/json", headers=bearer(new_token))
    assert ok.status_code == 202
    assert client.post(f"/api/timing/devices/{device_id}/revoke", headers=admin).status_code == 200
    revoked = client.post("/api/timing/passings", data=dumps([passing("2", "C101", 2)]),
                          content_type="application/json", headers=bearer(new_token))
    assert revoked.status_code == 401
    assert "revoked" in _error(revoked)["message"]
    assert count(committed_db, "timing_read") == 1


def test_token_of_another_competition_is_refused(client: FlaskClient, race: Race,
                                                 committed_db: Engine) -> None:
    response = client.post(
        f"/api/timing/passings?competition_id={race.competition_id}",
        data=dumps([passing("1", "C101", 1, timing_point="finish")]),
        content_type="application/json", headers=bearer(race.tokens["other"]),
    )
    assert response.status_code == 401
    message = _error(response)["message"]
    assert f"belongs to competition {race.other_competition_id}" in message
    _nothing_stored(committed_db)


def test_timestamp_a_day_away_is_refused(client: FlaskClient, race: Race,
                                         committed_db: Engine) -> None:
    items = [passing("1", "C101", 10), passing("2", "C102", 10 + 24 * 3600)]
    response = client.post("/api/timing/passings", data=dumps(items),
                           content_type="application/json", headers=bearer(race.tokens["finish"]))
    assert response.status_code == 400
    error = _error(response)["details"]["errors"][0]
    assert (error["line"], error["field"]) == (1, "timestamp")
    assert "after the competition window" in error["problem"]
    _nothing_stored(committed_db)


def test_body_over_the_limit_is_413(client: FlaskClient, race: Race, committed_db: Engine) -> None:
    body = b"[" + b" " * (50 * 1024 * 1024) + b"]"
    response = client.post("/api/timing/passings", data=body, content_type="application/json",
                           headers=bearer(race.tokens["finish"]))
    assert response.status_code == 413
    assert "limit" in _error(response)["message"]
    _nothing_stored(committed_db)


def test_binary_body_is_refused(client: FlaskClient, race: Race, committed_db: Engine) -> None:
    with open(f"{SAMPLES}/binary_upload.bin", "rb") as fh:
        body = fh.read()
    response = client.post("/api/timing/passings", data=body,
                           content_type="application/octet-stream",
                           headers=bearer(race.tokens["finish"]))
    assert response.status_code == 400
    assert "binary" in _error(response)["message"]
    _nothing_stored(committed_db)


def test_device_crud_is_admin_only_and_shows_the_token_once(
    client: FlaskClient, race: Race, official_jwt  # type: ignore[no-untyped-def]
) -> None:
    starter = official_jwt("Starter")
    assert client.get("/api/timing/devices", headers=starter).status_code == 403
    admin = official_jwt("Admin")
    created = client.post("/api/timing/devices", headers=admin, json={
        "competition_id": race.competition_id, "name": "10k mat", "kind": "chip_decoder",
        "timing_point_id": race.points["5k"], "mat_role": "backup"})
    assert created.status_code == 201, created.get_json()
    device = created.get_json()["data"]
    assert device["token"].startswith(device["token_prefix"])
    shown = client.get(f"/api/timing/devices/{device['id']}", headers=admin).get_json()["data"]
    assert "token" not in shown and shown["mat_role"] == "backup"
    bad = client.post("/api/timing/devices", headers=admin, json={
        "competition_id": race.competition_id, "name": "x", "kind": "toaster"})
    assert bad.status_code == 400 and _error(bad)["details"] == {"field": "kind"}
    listed = client.get(f"/api/timing/devices?competition_id={race.competition_id}",
                        headers=admin).get_json()["data"]
    assert "10k mat" in {d["name"] for d in listed}
    assert client.delete(f"/api/timing/devices/{device['id']}", headers=admin).status_code == 200
