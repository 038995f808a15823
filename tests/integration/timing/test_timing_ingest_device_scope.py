"""A device's token does only what the device is: a chip decoder sends passings, a
photo-finish camera reads start lists and uploads results; and a result file without
results changes nothing."""

from __future__ import annotations

from json import dumps

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.integration.timing.test_timing_ingest_lif import lif_text
from tests.integration.timing.timing_ingest_support import Race, bearer, count, passing

pytestmark = pytest.mark.integration


def _passings() -> str:
    return dumps([passing("F-1", "C101", 1800)])


def test_a_chip_decoder_token_uploads_no_results_and_reads_no_start_lists(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    decoder = bearer(race.tokens["finish"])
    upload = client.post("/api/timing/lif?filename=x.lif", data=lif_text(race),
                         content_type="text/plain", headers=decoder)
    assert upload.status_code == 403, upload.get_json()
    assert "chip decoder" in upload.get_json()["error"]["message"]
    assert count(committed_db, "lif_import") == 0 and count(committed_db, "result") == 0
    for url in (f"/api/timing/heats/{race.sprint_heat_id}/lynx.evt",
                f"/api/timing/heats/{race.sprint_heat_id}/results.csv",
                f"/api/timing/competitions/{race.competition_id}/lynx.ppl"):
        assert client.get(url, headers=decoder).status_code == 403, url


def test_a_photo_finish_token_sends_no_passings(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    camera = bearer(race.tokens["camera"])
    response = client.post("/api/timing/passings", data=_passings(),
                           content_type="application/json", headers=camera)
    assert response.status_code == 403, response.get_json()
    assert count(committed_db, "timing_read") == 0
    # each does its own part
    assert client.get(f"/api/timing/heats/{race.sprint_heat_id}/lynx.evt",
                      headers=camera).status_code == 200
    sent = client.post("/api/timing/passings", data=_passings(), content_type="application/json",
                       headers=bearer(race.tokens["finish"]))
    assert sent.status_code == 202, sent.get_json()


def _heat(engine: Engine, heat_id: int) -> tuple[str, int | None]:
    with engine.connect() as conn:
        status, wind = conn.execute(text("SELECT status, wind FROM heat WHERE id = :id"),
                                    {"id": heat_id}).one()
    return status, wind


def test_a_lif_without_results_changes_nothing(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    before = _heat(committed_db, race.sprint_heat_id)
    header_only = lif_text(race).split("\r\n")[0] + "\r\n"
    response = client.post("/api/timing/lif?filename=armed.lif", data=header_only,
                           content_type="text/plain", headers=bearer(race.tokens["camera"]))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert data["outcome"] == "no_results" and data["results_changed"] == 0
    assert _heat(committed_db, race.sprint_heat_id) == before  # not finished, no wind
    assert count(committed_db, "result") == 0
