"""FinishLynx files: upload, statuses that survive, exports, and the folder watcher."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.audit.service import snapshot
from athsys.competitions.models import Heat, HeatStatus
from athsys.results import service as results_service
from athsys.results.models import Result, ResultSource
from athsys.sport.ranking import ResultStatus
from athsys.timing.formats.lynx_export import parse_evt
from tests.integration.timing.timing_ingest_support import Race, bearer, count
from webui.cli.timing import LifWatcher

pytestmark = pytest.mark.integration


def lif_text(race: Race, *, winner: str = "10.43") -> str:
    return "\r\n".join([
        f'{race.sprint_event_id},1,1,"Men\'s 100m, Final",+1.2,m/s,,,,100,21:00:00.0000',
        f'1,201,1,"Fast, 1",Sprinter1,Timing Club,{winner},,0.000,0.145',
        "2,202,2,Fast 2,Sprinter2,Timing Club,10.44,,0.003,0.151",
        "3,203,3,Fast 3,Sprinter3,Timing Club,10.44,,0.007,0.160",
        "DNF,204,4,Fast 4,Sprinter4,Timing Club,DNF,,,",
        "DQ R162.7,205,5,Fast 5,Sprinter5,Timing Club,,,,0.099",
        "DNS,206,6,Fast 6,Sprinter6,Timing Club,,,,",
        "",
        "",
    ])


def _results(engine: Engine, heat_id: int) -> dict[int, Result]:
    with Session(engine) as session:
        return {r.entry_id: r
                for r in session.scalars(select(Result).where(Result.heat_id == heat_id))}


def test_lif_upload_keeps_statuses_and_thousandths(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    response = client.post("/api/timing/lif?filename=001-1-01.lif", data=lif_text(race),
                           content_type="text/plain", headers=bearer(race.tokens["camera"]))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert (data["outcome"], data["results_changed"], data["heat_id"]) == (
        "imported", 6, race.sprint_heat_id)
    results = _results(committed_db, race.sprint_heat_id)
    by_lane = {race.sprint_entries.index(entry_id) + 1: r for entry_id, r in results.items()}
    assert [(by_lane[lane].place, by_lane[lane].mark) for lane in (1, 2, 3)] == [
        (1, 10430), (2, 10433), (3, 10437)]  # thousandths recovered from the deltas
    assert (by_lane[4].status, by_lane[4].mark) == (ResultStatus.DNF, None)
    assert (by_lane[5].status, by_lane[5].status_rule) == (ResultStatus.DQ, "R162.7")
    assert by_lane[6].status == ResultStatus.DNS
    assert {r.source for r in results.values()} == {ResultSource.LIF}
    assert by_lane[1].wind == 12 and by_lane[1].reaction_time == 145

    again = client.post("/api/timing/lif?filename=001-1-01.lif", data=lif_text(race),
                        content_type="text/plain", headers=bearer(race.tokens["camera"]))
    assert again.status_code == 200 and again.get_json()["data"]["already_imported"] is True
    assert count(committed_db, "lif_import") == 1

    export = client.get(f"/api/timing/heats/{race.sprint_heat_id}/results.csv",
                        headers=bearer(race.tokens["camera"]))
    assert export.status_code == 200
    lines = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    by_bib = {line["bib"]: line for line in lines}
    assert (by_bib["201"]["place"], by_bib["201"]["time"]) == ("1", "10.43")
    assert (by_bib["203"]["time"], by_bib["203"]["time_ms"]) == ("10.44", "10437")
    assert (by_bib["204"]["status"], by_bib["205"]["status"], by_bib["205"]["rule"]) == (
        "DNF", "DQ", "R162.7")
    assert by_bib["206"]["status"] == "DNS"


def test_lif_does_not_overwrite_a_manual_correction_and_an_official_heat(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    client.post("/api/timing/lif?filename=a.lif", data=lif_text(race), content_type="text/plain",
                headers=bearer(race.tokens["camera"]))
    first = _results(committed_db, race.sprint_heat_id)[race.sprint_entries[0]]
    official = type(SYSTEM)(user_id=None, username="referee", roles=frozenset({"Starter"}))
    with Session(committed_db) as session, session.begin():
        result = session.get(Result, first.id)
        assert result is not None
        before = snapshot(result)
        result.mark = 10420
        results_service.correct_result(session, official, result, before, reason="review")
        assert result.source is ResultSource.MANUAL
    changed = client.post("/api/timing/lif?filename=a.lif", data=lif_text(race, winner="10.45"),
                          content_type="text/plain", headers=bearer(race.tokens["camera"]))
    assert changed.status_code == 201
    assert _results(committed_db, race.sprint_heat_id)[race.sprint_entries[0]].mark == 10420

    before_official = _results(committed_db, race.sprint_heat_id)
    with Session(committed_db) as session, session.begin():
        heat = session.get(Heat, race.sprint_heat_id)
        assert heat is not None
        heat.status = HeatStatus.OFFICIAL
    late = client.post("/api/timing/lif?filename=b.lif", data=lif_text(race, winner="10.50"),
                       content_type="text/plain", headers=bearer(race.tokens["camera"]))
    assert late.get_json()["data"]["outcome"] == "heat_official"
    after = _results(committed_db, race.sprint_heat_id)
    assert {e: (r.mark, r.revision) for e, r in after.items()} == {
        e: (r.mark, r.revision) for e, r in before_official.items()}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("1,201,1,Fast,One,Club,10.43,,,\r\n", "missing header"),
        ("{event},1,1,100m,+0.1,m/s,,,,100\r\n1,201,1,Fast,One,Club,ten,,,\r\n", "field 'time'"),
        ("{event},1,1,100m,+0.1,m/s,,,,100\r\nWON,201,1,Fast,One,Club,10.43,,,\r\n",
         "unknown place code 'WON'"),
        ("{event},1,1,100m,+0.1,m/s,,,,100\r\n1,999,1,Fast,One,Club,10.43,,,\r\n",
         "line 2 field 'id'"),
    ],
)
def test_bad_lif_files_store_nothing(
    client: FlaskClient, race: Race, committed_db: Engine, body: str, needle: str
) -> None:
    response = client.post("/api/timing/lif?filename=bad.lif",
                           data=body.replace("{event}", str(race.sprint_event_id)),
                           content_type="text/plain", headers=bearer(race.tokens["camera"]))
    assert response.status_code == 400
    assert needle in response.get_json()["error"]["message"]
    assert count(committed_db, "result") == 0
    assert count(committed_db, "lif_import") == 0


def test_binary_and_oversized_lif_files_are_refused(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    binary = client.post("/api/timing/lif?filename=x.lif", data=b"\x89PNG\r\n\x1a\n\x00\x00",
                         content_type="application/octet-stream",
                         headers=bearer(race.tokens["camera"]))
    assert binary.status_code == 400 and "binary" in binary.get_json()["error"]["message"]
    big = client.post("/api/timing/lif?filename=x.lif", data=b"1" * (50 * 1024 * 1024),
                      content_type="application/octet-stream",
                      headers=bearer(race.tokens["camera"]))
    assert big.status_code == 413
    assert count(committed_db, "lif_import") == 0


def test_start_list_exports(client: FlaskClient, race: Race, official_jwt) -> None:  # type: ignore[no-untyped-def]
    starter = official_jwt("Starter")
    evt = client.get(f"/api/timing/heats/{race.sprint_heat_id}/lynx.evt", headers=starter)
    assert evt.status_code == 200
    heats = parse_evt(evt.get_data())
    assert (heats[0].event, heats[0].round, heats[0].heat) == (race.sprint_event_id, 1, 1)
    assert [(lane.lane, lane.bib, lane.last_name) for lane in heats[0].lanes][:2] == [
        (1, "201", "Fast, 1"), (2, "202", "Fast, 2")]
    ppl = client.get(f"/api/timing/competitions/{race.competition_id}/lynx.ppl", headers=starter)
    assert '201,"Fast, 1",Sprinter1,Timing Club' in ppl.get_data(as_text=True)
    sch = client.get(f"/api/timing/competitions/{race.competition_id}/lynx.sch", headers=starter)
    assert f"{race.sprint_event_id},1,1" in sch.get_data(as_text=True)
    assert client.get(f"/api/timing/heats/{race.sprint_heat_id}/lynx.evt",
                      headers=bearer(race.tokens["other-camera"])).status_code == 401


def test_signed_in_starter_can_upload_a_file(client: FlaskClient, race: Race, official_jwt,  # type: ignore[no-untyped-def]
                                             committed_db: Engine) -> None:
    viewer = client.post(f"/api/timing/lif?competition_id={race.competition_id}",
                         data={"file": (io.BytesIO(lif_text(race).encode()), "h1.lif")},
                         content_type="multipart/form-data", headers=official_jwt("Viewer"))
    assert viewer.status_code == 403
    response = client.post(f"/api/timing/lif?competition_id={race.competition_id}",
                           data={"file": (io.BytesIO(lif_text(race).encode()), "h1.lif")},
                           content_type="multipart/form-data", headers=official_jwt("Starter"))
    assert response.status_code == 201, response.get_json()
    assert count(committed_db, "result") == 6


def test_folder_watcher_imports_each_content_once(
    race: Race, committed_db: Engine, tmp_path: Path
) -> None:
    watcher = LifWatcher(committed_db, race.competition_id, tmp_path)
    path = tmp_path / "001-1-01.lif"
    path.write_text(lif_text(race))
    assert [o.outcome for o in watcher.scan()] == ["imported"]
    assert watcher.scan() == []
    path.write_text(lif_text(race))  # rewritten by the camera, same content
    assert watcher.scan() == []
    assert LifWatcher(committed_db, race.competition_id, tmp_path).scan() == []  # restarted
    path.write_text(lif_text(race, winner="10.42"))
    changed = watcher.scan()
    assert [o.outcome for o in changed] == ["imported"] and changed[0].results_changed >= 1
    assert _results(committed_db, race.sprint_heat_id)[race.sprint_entries[0]].mark == 10420
    assert count(committed_db, "lif_import") == 2
    (tmp_path / "broken.lif").write_text("not a lif file\r\n")
    (tmp_path / "notes.txt").write_text("ignored")
    assert watcher.scan() == []
    assert "broken.lif" in watcher.errors


def test_a_start_list_sent_as_results_is_refused_as_a_start_list(
    client: FlaskClient, race: Race, committed_db: Engine, official_jwt  # type: ignore[no-untyped-def]
) -> None:
    """The camera operator picks the lynx.evt AthSys exported instead of the .lif."""
    evt = client.get(f"/api/timing/heats/{race.sprint_heat_id}/lynx.evt",
                     headers=official_jwt("Starter")).get_data()
    response = client.post("/api/timing/lif?filename=lynx.evt", data=evt,
                           content_type="text/plain", headers=bearer(race.tokens["camera"]))
    assert response.status_code == 400
    assert "this is a lynx.evt start list" in response.get_json()["error"]["message"]
    assert count(committed_db, "result") == 0
    assert count(committed_db, "lif_import") == 0
