"""``athsys ingest`` and the simulator's race set-up, against the test database."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.errors import ValidationError
from athsys.timing.simulation import batches, race_passings, setup_race
from tests.integration.timing.timing_ingest_support import RACE_DAY, Race, bearer, count, result_of
from webui.cli.timing import ingest_file

pytestmark = pytest.mark.integration


def test_ingest_a_decoder_file_from_a_usb_stick(race: Race, committed_db: Engine,
                                                tmp_path: Path) -> None:
    dump = tmp_path / "box1.txt"
    dump.write_text("".join(
        f"{n};C{100 + n};2025-10-12;09:5{n}:12.345;1;5;-61;;1;1;1;0;1;99;21;;Box1;1;2;42\r\n"
        for n in (1, 2)
    ))
    with pytest.raises(ValidationError, match="needs --device"):
        ingest_file(committed_db, dump, device_id=None, competition_id=race.competition_id,
                    window_ms=10_000, max_bytes=1_000_000)
    report = ingest_file(committed_db, dump, device_id=race.device_ids["finish"],
                         competition_id=None, window_ms=10_000, max_bytes=1_000_000)
    assert report.kind == "raceresult"
    assert (report.details["accepted"], report.details["processing"]["results_created"]) == (2, 2)
    assert result_of(committed_db, race.road_heat_id, race.entries[0]).mark == 51 * 60_000 + 12_345
    again = ingest_file(committed_db, dump, device_id=race.device_ids["finish"],
                        competition_id=None, window_ms=10_000, max_bytes=1_000_000)
    assert again.details["replay"] is True and count(committed_db, "timing_read") == 2
    with pytest.raises(ValidationError, match="limit"):
        ingest_file(committed_db, dump, device_id=race.device_ids["finish"], competition_id=None,
                    window_ms=10_000, max_bytes=10)


def test_simulated_race_posts_through_the_device_api(client: FlaskClient,
                                                     committed_db: Engine) -> None:
    with Session(committed_db) as session, session.begin():
        simulated = setup_race(session, SYSTEM, runners=30, day=RACE_DAY)
    for chunk in batches(race_passings(30, seed=5), 50):
        response = client.post("/api/timing/passings",
                               json=[p.as_json(simulated.gun) for p in chunk],
                               headers=bearer(simulated.token))
        assert response.status_code == 202, response.get_json()
    assert count(committed_db, "timing_read") == 120
    assert count(committed_db, "read_batch") == 3
