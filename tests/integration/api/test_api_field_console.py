"""``/api/field``: a judge runs a flight as the sheet is written, attempt by attempt; a retried
or doubled write stores the attempt once; a wrong one is refused and nothing is stored.

The ranking rules themselves (count-back, best marks) are tested against published results
in the unit tests of :mod:`athsys.results.field_series`; here the point is the console's API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import STARTER, VIEWER
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.results.models import Attempt
from athsys.sport.sex import Sex
from tests.integration.api.helpers import TestDataFactory, bearer

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Flight:
    heat_id: int
    entries: list[int]


def _flight(engine: Engine, code: str, names: list[str]) -> Flight:
    with Session(engine) as session, session.begin():
        build = MeetBuilder(session)
        day = datetime.now(UTC).date()
        competition = build.competition(f"Field meet {code}", day=day)
        heat = build.race(build.event(competition, code, sex=Sex.FEMALE))
        athletes = build.athletes([Runner(name, "Judged", Sex.FEMALE) for name in names])
        entries = build.enter(heat, athletes, [str(100 + i) for i in range(len(names))])
        return Flight(heat.id, entries)


def _judge(api: FlaskClient, role: str = STARTER) -> dict[str, str]:
    user = TestDataFactory.create_user(role=role)
    return bearer(TestDataFactory.tokens(user["id"])["access"])


def _attempts(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Attempt)) or 0)


def test_a_high_jump_flight_attempt_by_attempt(api: FlaskClient, committed_db: Engine) -> None:
    flight = _flight(committed_db, "HJ", ["Ana", "Bea", "Cleo"])
    judge = _judge(api)
    url = f"/api/field/heats/{flight.heat_id}"
    sheet = api.get(url, headers=judge).get_json()["data"]
    assert sheet["vertical"] and sheet["up_next"] == flight.entries[0]
    assert [row["bib"] for row in sheet["rows"]] == ["100", "101", "102"]

    def jump(entry: int, number: int, outcome: str, height: str) -> dict:
        response = api.post(f"{url}/attempts", headers=judge, json={
            "entry_id": entry, "attempt": number, "outcome": outcome, "height": height})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    ana, bea, cleo = flight.entries
    jump(ana, 1, "o", "1.80")
    jump(bea, 1, "x", "1.80")
    sheet = jump(cleo, 1, "-", "1.80")
    assert sheet["up_next"] == bea  # fewest attempts at the bar first: Bea's second try
    jump(bea, 2, "o", "1.80")
    sheet = jump(ana, 2, "x", "1.85")
    assert sheet["heights"] == ["1.80", "1.85"]
    rows = {row["entry_id"]: row for row in sheet["rows"]}
    assert rows[ana]["cells"] == ["o", "x"] and rows[bea]["cells"] == ["xo", ""]
    assert rows[cleo]["cells"] == ["-", ""]
    assert (rows[ana]["place"], rows[ana]["best"]) == (1, "1.80")  # cleared first time
    assert rows[bea]["place"] == 2 and rows[cleo]["place"] is None

    undone = api.post(f"{url}/undo", headers=judge, json={"entry_id": ana})
    assert undone.status_code == 200
    rows = {row["entry_id"]: row for row in undone.get_json()["data"]["rows"]}
    assert rows[ana]["cells"] == ["o"] and undone.get_json()["data"]["heights"] == ["1.80"]


def test_the_same_attempt_twice_is_stored_once_and_a_different_one_is_refused(
    api: FlaskClient, committed_db: Engine
) -> None:
    flight = _flight(committed_db, "LJ", ["Dora", "Eva"])
    first_tablet, second_tablet = _judge(api), _judge(api)
    url = f"/api/field/heats/{flight.heat_id}/attempts"
    write = {"entry_id": flight.entries[0], "attempt": 1, "trial": "6.71", "wind": "+0.4"}
    assert api.post(url, headers=first_tablet, json=write).status_code == 201
    again = api.post(url, headers=second_tablet, json=write)  # a retry, or the other tablet
    assert again.status_code == 200 and again.get_json()["data"]["replay"] is True
    assert _attempts(committed_db) == 1
    row = again.get_json()["data"]["rows"][0]
    assert row["cells"] == ["6.71 (+0.4)"] and row["best"] == "6.71"

    other = api.post(url, headers=second_tablet, json={**write, "trial": "x"})
    assert other.status_code == 409
    assert "attempt 1 is already recorded as 6.71" in other.get_json()["error"]["message"]
    skipped = api.post(url, headers=first_tablet, json={**write, "attempt": 3})
    assert skipped.status_code == 409
    assert "cannot come before attempt 2" in skipped.get_json()["error"]["message"]
    assert _attempts(committed_db) == 1


@pytest.mark.parametrize(("write", "needle"), [
    ({"trial": "6.7.1"}, "trial"),
    ({"trial": "6.71", "wind": "strong"}, "wind"),
    ({"outcome": "o", "height": "1.80"}, "written as its mark"),
    ({"trial": "6.71", "extra": 1}, "extra"),
])
def test_a_bad_write_names_the_problem_and_stores_nothing(
    api: FlaskClient, committed_db: Engine, write: dict, needle: str
) -> None:
    flight = _flight(committed_db, "LJ", ["Fay"])
    response = api.post(f"/api/field/heats/{flight.heat_id}/attempts", headers=_judge(api),
                        json={"entry_id": flight.entries[0], **write})
    assert response.status_code == 400, response.get_json()
    assert needle in str(response.get_json()["error"])
    assert _attempts(committed_db) == 0


def test_a_viewer_reads_the_sheet_but_records_nothing(
    api: FlaskClient, committed_db: Engine
) -> None:
    flight = _flight(committed_db, "SP", ["Gia"])
    viewer = _judge(api, VIEWER)
    assert api.get(f"/api/field/heats/{flight.heat_id}", headers=viewer).status_code == 200
    refused = api.post(f"/api/field/heats/{flight.heat_id}/attempts", headers=viewer,
                       json={"entry_id": flight.entries[0], "trial": "15.20"})
    assert refused.status_code == 403
    wind = api.post(f"/api/field/heats/{flight.heat_id}/attempts", headers=_judge(api),
                    json={"entry_id": flight.entries[0], "trial": "15.20", "wind": "+1.0"})
    assert wind.status_code == 400 and "no wind is measured" in wind.get_json()["error"]["message"]
    assert _attempts(committed_db) == 0


def test_after_three_rounds_the_finalists_jump_in_reverse_order_of_the_standing(
    api: FlaskClient, committed_db: Engine
) -> None:
    flight = _flight(committed_db, "LJ", ["Hana", "Ines", "Jo"])
    judge = _judge(api)
    url = f"/api/field/heats/{flight.heat_id}/attempts"
    marks = {flight.entries[0]: ["6.10", "6.20", "x"], flight.entries[1]: ["6.50", "x", "-"],
             flight.entries[2]: ["5.90", "6.00", "6.05"]}
    sheet = None
    for trial in range(3):
        for entry in flight.entries:
            response = api.post(url, headers=judge, json={
                "entry_id": entry, "attempt": trial + 1, "trial": marks[entry][trial]})
            assert response.status_code == 201, response.get_json()
            sheet = response.get_json()["data"]
    assert sheet is not None
    # standing after three rounds: Ines 6.50, Hana 6.20, Jo 6.05; the final round reverses it
    assert sheet["final_round_order"] == ["102", "100", "101"]
    assert sheet["up_next"] == flight.entries[2]
    assert [row["place"] for row in sheet["rows"]] == [2, 1, 3]


def test_a_jump_off_for_first_through_the_console_api(
        api: FlaskClient, committed_db: Engine) -> None:
    """Paris 2024 men's high jump final, its top two (see tests/unit/results/
    test_results_jump_off.py): tied after count-back at 2.36, the jump-off at the heights
    the rule sets, replayed writes stored once, the standing decided by the jump-off."""
    flight = _flight(committed_db, "HJ", ["McEwen", "Kerr"])
    judge = _judge(api)
    url = f"/api/field/heats/{flight.heat_id}"
    mcewen, kerr = flight.entries
    numbers = {mcewen: 0, kerr: 0}

    def jump(entry: int, outcome: str, height: str | None = None, status: int = 201) -> dict:
        numbers[entry] += 1
        body = {"entry_id": entry, "attempt": numbers[entry], "outcome": outcome}
        if height is not None:
            body["height"] = height
        response = api.post(f"{url}/attempts", headers=judge, json=body)
        assert response.status_code == status, response.get_json()
        return response.get_json()["data"] if status < 300 else response.get_json()

    for height in ("2.27", "2.31", "2.36"):
        jump(mcewen, "o", height)
        jump(kerr, "o", height)
    for _ in range(3):
        jump(mcewen, "x", "2.38")
        sheet = jump(kerr, "x", "2.38")
    assert sheet["jump_off"] == {"heights": ["2.38"], "bar": "2.38", "tied": [mcewen, kerr],
                                 "to_jump": [mcewen, kerr], "winners": []}
    assert sheet["up_next"] == mcewen
    assert {row["entry_id"]: row["place"] for row in sheet["rows"]} == {mcewen: 1, kerr: 1}

    jump(mcewen, "x")  # the bar is the rule's: no height needed
    numbers[mcewen] -= 1  # the tablet sends the same attempt again after a lost answer
    replayed = api.post(f"{url}/attempts", headers=judge, json={
        "entry_id": mcewen, "attempt": numbers[mcewen] + 1, "outcome": "x"})
    assert replayed.status_code == 200 and replayed.get_json()["data"]["replay"]
    numbers[mcewen] += 1
    refused = jump(mcewen, "x", status=400)  # McEwen again before Kerr's jump
    assert "still to jump" in refused["error"]["message"]
    numbers[mcewen] -= 1
    wrong_bar = jump(kerr, "x", "2.40", status=400)
    assert "the bar is at 2.38 m for this round" in wrong_bar["error"]["message"]
    numbers[kerr] -= 1
    sheet = jump(kerr, "x")
    assert sheet["jump_off"]["bar"] == "2.36"
    jump(mcewen, "x")
    jump(kerr, "x")
    jump(mcewen, "x")
    sheet = jump(kerr, "o")
    assert sheet["jump_off"]["heights"] == ["2.38", "2.36", "2.34"]
    assert sheet["jump_off"]["winners"] == [kerr] and sheet["jump_off"]["bar"] is None
    rows = {row["entry_id"]: row for row in sheet["rows"]}
    assert rows[kerr]["jump_off"] == ["x", "x", "o"]
    assert rows[mcewen]["jump_off"] == ["x", "x", "x"]
    assert (rows[kerr]["place"], rows[kerr]["best"]) == (1, "2.36")  # jump-offs are no mark
    assert (rows[mcewen]["place"], rows[mcewen]["best"]) == (2, "2.36")
    assert _attempts(committed_db) == 12 + 6


def test_two_tablets_sending_the_same_attempt_at_once_store_it_once(
        api: FlaskClient, committed_db: Engine) -> None:
    """Both judges' tablets send an athlete's attempt 1 at the same moment, for five athletes:
    each time one stores it (201) and the other is told it is there already (200, a
    replay)."""
    import threading

    flight = _flight(committed_db, "LJ", [f"Tia{n}" for n in range(5)])
    tablets = [_judge(api), _judge(api)]
    url = f"/api/field/heats/{flight.heat_id}/attempts"
    for entry_id in flight.entries:
        write = {"entry_id": entry_id, "attempt": 1, "trial": "6.02"}
        start = threading.Barrier(2)
        statuses: list[int] = []

        def send(tablet: dict[str, str], write: dict = write,
                 start: threading.Barrier = start, statuses: list[int] = statuses) -> None:
            start.wait()
            statuses.append(api.post(url, headers=tablet, json=write).status_code)

        threads = [threading.Thread(target=send, args=(tablet,)) for tablet in tablets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 201]
    assert _attempts(committed_db) == 5
