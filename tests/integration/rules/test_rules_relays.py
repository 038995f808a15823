"""Relay teams through the services, against PostgreSQL: entering a club's team, declaring
and reordering its legs, every refusal leaving the tables as they were, and seeding and lane
draws by team."""

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from athsys.accounts.actor import Actor
from athsys.athletes.models import Athlete, Club
from athsys.audit.models import AuditLog
from athsys.competitions.models import Entry, HeatStatus, LaneAssignment, RelayLeg
from athsys.competitions.registration_desk import find_entries
from athsys.competitions.relays import LegDeclaration, create_relay_team, declare_legs
from athsys.competitions.service import scratch_entries
from athsys.documents import meet as documents
from athsys.errors import AuthorizationError, ConflictError, ValidationError
from athsys.leaderboards import reads
from athsys.leaderboards.exports import hytek_semicolon
from athsys.leaderboards.federation import results_document
from athsys.models import metadata
from athsys.officiating.heat_sheet import heat_sheet
from athsys.officiating.planning import seed_round
from athsys.officiating.service import mark_heats_official
from athsys.records.models import Record, RecordScope
from athsys.results.models import Result
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from athsys.timing.exports import export_evt, export_ppl, export_results_csv
from athsys.timing.formats.lynx_export import parse_evt
from athsys.timing.lif_import import import_lif
from tests.integration.rules.conftest import REGISTRAR

pytestmark = pytest.mark.integration


def _counts(session):
    return {t.name: session.scalar(select(func.count()).select_from(t))
            for t in metadata.sorted_tables}


def _squad(meet, n=6, sex=Sex.MALE, prefix="Leg"):
    return [meet.athlete(f"{prefix}{i}", sex) for i in range(1, n + 1)]


def _legs(team):
    return [(leg.leg, leg.athlete.last_name) for leg in team.legs]


def test_a_club_team_with_four_legs_and_two_reserves(meet, db_session):
    event = meet.event("4x100m")
    team = create_relay_team(db_session, REGISTRAR, event, meet.club, bib="R1",
                             seed_mark=39_500)
    assert team.team_name == f"{meet.club.name} A"
    assert team.athlete_id is None and team.club_id == meet.club.id
    squad = _squad(meet)
    declare_legs(db_session, REGISTRAR, team, [
        LegDeclaration(a.id, leg) for a, leg in zip(squad, [1, 2, 3, 4, None, None],
                                                     strict=True)])
    assert _legs(team) == [(1, "Leg1"), (2, "Leg2"), (3, "Leg3"), (4, "Leg4"),
                           (None, "Leg5"), (None, "Leg6")]
    # a new order, a reserve brought in: replaced as a whole, no clash on the old legs
    declare_legs(db_session, REGISTRAR, team, [
        LegDeclaration(squad[4].id, 1), LegDeclaration(squad[3].id, 2),
        LegDeclaration(squad[2].id, 3), LegDeclaration(squad[1].id, 4),
        LegDeclaration(squad[0].id, None)])
    assert _legs(team) == [(1, "Leg5"), (2, "Leg4"), (3, "Leg3"), (4, "Leg2"), (None, "Leg1")]
    audit = db_session.scalars(select(AuditLog).where(
        AuditLog.action == "declare_legs", AuditLog.entity_id == str(team.id))).all()
    assert len(audit) == 2
    second = create_relay_team(db_session, REGISTRAR, event, meet.club, bib="R2")
    assert second.team_name == f"{meet.club.name} B"


def test_a_runner_of_another_club_is_refused_and_nothing_is_written(meet, db_session):
    event = meet.event("4x400m")
    team = create_relay_team(db_session, REGISTRAR, event, meet.club, bib="R1",
                             name="Tigers A")
    squad = _squad(meet, 3)
    lions = Club(name="Lions AC", code="LIONS")
    stranger = Athlete(first_name="Anna", last_name="Stranger", sex=Sex.MALE, club=lions)
    db_session.add_all([lions, stranger])
    db_session.flush()
    before = _counts(db_session)
    with pytest.raises(ValidationError) as raised:
        declare_legs(db_session, REGISTRAR, team, [
            *(LegDeclaration(a.id, n) for n, a in enumerate(squad, start=1)),
            LegDeclaration(stranger.id, 4)])
    assert raised.value.message == (
        f"Tigers A: Anna Stranger is not a member of {meet.club.name} (Lions AC)")
    assert _counts(db_session) == before


def test_a_mixed_relay_needs_two_men_and_two_women(meet, db_session):
    event = meet.event("4x400mMix")
    team = create_relay_team(db_session, REGISTRAR, event, meet.club, bib="X1")
    men, women = _squad(meet, 3, Sex.MALE, "M"), _squad(meet, 2, Sex.FEMALE, "W")
    with pytest.raises(ValidationError, match="the legs declared have 3 men and 1 woman"):
        declare_legs(db_session, REGISTRAR, team, [
            LegDeclaration(men[0].id, 1), LegDeclaration(women[0].id, 2),
            LegDeclaration(men[1].id, 3), LegDeclaration(men[2].id, 4)])
    declare_legs(db_session, REGISTRAR, team, [
        LegDeclaration(men[0].id, 1), LegDeclaration(women[0].id, 2),
        LegDeclaration(women[1].id, 3), LegDeclaration(men[1].id, 4),
        LegDeclaration(men[2].id, None)])
    assert len(team.legs) == 5


def test_an_athlete_runs_for_one_team_of_an_event(meet, db_session):
    event = meet.event("4x100m")
    first = create_relay_team(db_session, REGISTRAR, event, meet.club, bib="R1")
    second = create_relay_team(db_session, REGISTRAR, event, meet.club, bib="R2")
    squad = _squad(meet, 4)
    declare_legs(db_session, REGISTRAR, first,
                 [LegDeclaration(a.id, n) for n, a in enumerate(squad, start=1)])
    before = _counts(db_session)
    with pytest.raises(ConflictError) as raised:
        declare_legs(db_session, REGISTRAR, second, [LegDeclaration(squad[2].id, None)])
    assert raised.value.message == (
        f"{second.team_name}: A Leg3 already runs for {first.team_name}")
    assert _counts(db_session) == before
    # the database refuses it too, whatever path writes it
    with pytest.raises(IntegrityError, match="uq_relay_leg_event_id_athlete_id"):
        with db_session.begin_nested():
            db_session.add(RelayLeg(entry_id=second.id, event_id=event.id,
                                    athlete_id=squad[2].id, leg=None))
            db_session.flush()


def test_an_entry_is_an_athlete_or_a_team_never_both(meet, db_session):
    event = meet.event("4x100m")
    athlete = meet.athlete("Both")
    with pytest.raises(IntegrityError, match="ck_entry_athlete_or_team"):
        with db_session.begin_nested():
            db_session.add(Entry(event_id=event.id, competition_id=meet.competition.id,
                                 athlete_id=athlete.id, club_id=meet.club.id,
                                 team_name="Both A", bib="B1"))
            db_session.flush()
    with pytest.raises(IntegrityError, match="ck_entry_athlete_or_team"):
        with db_session.begin_nested():
            db_session.add(Entry(event_id=event.id, competition_id=meet.competition.id,
                                 bib="B2"))
            db_session.flush()


def test_a_relay_team_only_in_a_relay_and_names_unique(meet, db_session):
    with pytest.raises(ValidationError, match="100 m is not a relay"):
        create_relay_team(db_session, REGISTRAR, meet.event("100m"), meet.club, bib="R0")
    event = meet.event("4x100m")
    create_relay_team(db_session, REGISTRAR, event, meet.club, bib="R1", name="Tigers A")
    with pytest.raises(ConflictError, match="already has a team named Tigers A"):
        create_relay_team(db_session, REGISTRAR, event, meet.club, bib="R2", name=" Tigers  A ")


def test_a_coach_enters_only_their_own_clubs_teams(meet, db_session):
    event = meet.event("4x100m")
    coach = Actor(user_id=None, username="coach", roles=frozenset({"Coach"}),
                  club_id=meet.club.id + 1000)
    with pytest.raises(AuthorizationError, match="relay teams of their own club"):
        create_relay_team(db_session, coach, event, meet.club, bib="R1")


def test_the_leg_order_closes_when_the_race_starts(meet, db_session):
    event = meet.event("4x400m")
    team = create_relay_team(db_session, REGISTRAR, event, meet.club, bib="R1")
    squad = _squad(meet, 5)
    declare_legs(db_session, REGISTRAR, team,
                 [LegDeclaration(a.id, n) for n, a in enumerate(squad[:4], start=1)])
    rnd = meet.round(event)
    seed_round(db_session, REGISTRAR, rnd, seed=1)
    heat = rnd.heats[0]
    # seeded but not started: still open
    declare_legs(db_session, REGISTRAR, team,
                 [LegDeclaration(a.id, n) for n, a in enumerate(squad[1:], start=1)])
    heat.status = HeatStatus.STARTED
    db_session.flush()
    with pytest.raises(ConflictError) as raised:
        declare_legs(db_session, REGISTRAR, team,
                     [LegDeclaration(a.id, n) for n, a in enumerate(squad[:4], start=1)])
    assert raised.value.message == (
        f"the legs of {team.team_name} can no longer change: {heat!r} is started")
    assert [leg.athlete_id for leg in team.legs] == [a.id for a in squad[1:]]


def test_relay_teams_seed_and_draw_lanes_by_their_marks(meet, db_session):
    event = meet.event("4x400m")
    clubs = [Club(name=f"Relay Club {n}", code=f"RC{n}") for n in range(8)]
    db_session.add_all(clubs)
    db_session.flush()
    # entered slowest first; seed marks 3:00.00 (best) to 3:07.00
    teams = [create_relay_team(db_session, REGISTRAR, event, club, bib=f"T{n}",
                               seed_mark=180_000 + 1000 * n)
             for n, club in reversed(list(enumerate(clubs)))][::-1]
    rnd = meet.round(event)
    (seeded,) = seed_round(db_session, REGISTRAR, rnd, seed=2023)
    lanes = dict(db_session.execute(select(LaneAssignment.entry_id, LaneAssignment.lane)
                                    .where(LaneAssignment.heat_id == seeded.heat_id)).all())
    assert {lanes[t.id] for t in teams[:4]} == {4, 5, 6, 7}
    assert {lanes[t.id] for t in teams[4:6]} == {3, 8}
    assert {lanes[t.id] for t in teams[6:]} == {1, 2}


# -- the timing room: lynx.evt start lists and .lif results of relay teams ---------------------
SAMPLES = Path(__file__).resolve().parents[2] / "unit" / "timing" / "samples"


def _relay_heat(meet, db_session, teams):
    """A men's 4 x 100 m heat 3 of round 1 with the teams in lanes 2, 3, 4 (as the .lif)."""
    event = meet.event("4x100m")
    rnd = meet.round(event)
    heat = meet.heat(rnd, number=3)
    entries = []
    for lane, (name, bib) in enumerate(teams, start=2):
        club = Club(name=name, code=f"K{bib}")
        db_session.add(club)
        db_session.flush()
        team = create_relay_team(db_session, REGISTRAR, event, club, bib=bib, name=name)
        db_session.add(LaneAssignment(heat_id=heat.id, entry_id=team.id, lane=lane,
                                      position=lane - 1))
        entries.append(team)
    db_session.flush()
    return event, heat, entries


def test_a_relay_start_list_in_lynx_evt_has_the_team_as_last_name_and_no_id(meet, db_session):
    _, heat, _ = _relay_heat(meet, db_session, [("Tigers AC", "72"), ("Lions, Paris", "779")])
    text = export_evt(db_session, heat_id=heat.id)
    lines = text.split("\r\n")
    assert lines[1:3] == [",,2,Tigers AC,,Tigers AC", ',,3,"Lions, Paris",,"Lions, Paris"']
    (parsed,) = parse_evt(text)
    assert [(lane.bib, lane.lane, lane.last_name) for lane in parsed.lanes] == [
        (None, 2, "Tigers AC"), (None, 3, "Lions, Paris")]
    # lynx.ppl names the team with its bib
    assert "72,Tigers AC,,Tigers AC" in export_ppl(db_session, heat_id=heat.id)


def test_a_relay_lif_puts_each_result_on_its_team(meet, db_session):
    """The real 19-column relay file of the samples: teams by their bib (its id column)."""
    event, heat, teams = _relay_heat(meet, db_session, [
        ("RK Athletics Warszawa", "72"), ("UKS Wawer ZS 70 Warszawa", "779"),
        ("UKS Otrębusy", "20")])
    body = (SAMPLES / "lif_relay_4x100_full_layout.lif").read_bytes()
    body = body.replace(b"63,1,3,", f"{event.id},1,3,".encode(), 1)
    outcome = import_lif(db_session, REGISTRAR, meet.competition.id, body, path="063-1-03.lif")
    assert outcome.results_changed == 3
    results = {r.entry_id: r for r in db_session.scalars(
        select(Result).where(Result.heat_id == heat.id))}
    assert [(results[t.id].place, results[t.id].mark, results[t.id].status)
            for t in teams] == [(1, 55_390, ResultStatus.OK), (2, 61_680, ResultStatus.OK),
                                (None, None, ResultStatus.DNS)]
    csv_text = export_results_csv(db_session, heat.id)
    assert "1,OK,,72,RK Athletics Warszawa,,RK Athletics Warszawa,55.39" in csv_text


def test_a_relay_lif_without_ids_goes_by_lane(meet, db_session):
    event, heat, teams = _relay_heat(meet, db_session, [("Tigers AC", "T1"),
                                                        ("Lions AC", "L1")])
    body = "\r\n".join([f"{event.id},1,3,4x100m Men,,,,,,400,15:00:00.0000",
                        "1,,3,Lions AC,,Lions AC,41.02,,,",
                        "2,,2,Tigers AC,,Tigers AC,41.50,,,", ""]).encode()
    import_lif(db_session, REGISTRAR, meet.competition.id, body, path="relay-by-lane.lif")
    marks = dict(db_session.execute(select(Result.entry_id, Result.mark)
                                    .where(Result.heat_id == heat.id)).all())
    assert marks == {teams[1].id: 41_020, teams[0].id: 41_500}


# -- results per team, with the legs shown --------------------------------------------------
def _pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(body)).pages)


def test_results_start_lists_exports_and_pdfs_show_the_team_and_its_legs(meet, db_session):
    event, heat, (tigers, lions) = _relay_heat(meet, db_session, [("Tigers AC", "T1"),
                                                                  ("Lions AC", "L1")])
    runners = [Athlete(first_name=f"Runner{n}", last_name=f"Tiger{n}", sex=Sex.MALE,
                       club_id=tigers.club_id) for n in range(1, 6)]
    db_session.add_all(runners)
    db_session.flush()
    declare_legs(db_session, REGISTRAR, tigers, [
        *(LegDeclaration(a.id, n) for n, a in enumerate(runners[:4], start=1)),
        LegDeclaration(runners[4].id, None)])
    legs = ["Runner1 Tiger1", "Runner2 Tiger2", "Runner3 Tiger3", "Runner4 Tiger4"]
    (tigers_start, lions_start) = reads.start_list(db_session, heat.id)
    assert (tigers_start["name"], tigers_start["club"], tigers_start["legs"]) == (
        "Tigers AC", "KT1", legs)
    assert (lions_start["name"], lions_start["legs"]) == ("Lions AC", [])
    starter = heat_sheet(db_session, heat)  # the starter's console
    assert [(line.lane, line.name, line.legs) for line in starter.lines] == [
        (2, "Tigers AC", tuple(legs)), (3, "Lions AC", ())]
    sheet = _pdf_text(documents.heat_sheet(db_session, heat.id))
    assert f"Tigers AC ({', '.join(legs)})" in sheet
    body = "\r\n".join([f"{event.id},1,3,4x100m Men,,,,,,400,15:00:00.0000",
                        "1,,2,Tigers AC,,Tigers AC,40.02,,,",
                        "2,,3,Lions AC,,Lions AC,40.50,,,", ""]).encode()
    import_lif(db_session, REGISTRAR, meet.competition.id, body, path="relay.lif")
    _, board = reads.event_results(db_session, event.id)
    assert [(line["place"], line["name"], line["first_name"], line["last_name"],
             line["club"], line["mark_text"], line["legs"]) for line in board] == [
        (1, "Tigers AC", "", "Tigers AC", "KT1", "40.02", legs),
        (2, "Lions AC", "", "Lions AC", "KL1", "40.50", [])]
    ranked = reads.heat_results(db_session, heat.id)["lines"]
    assert [(line["name"], line["legs"]) for line in ranked] == [
        ("Tigers AC", legs), ("Lions AC", [])]
    competition, boards = reads.export_results(db_session, meet.competition.id)
    document = results_document(competition, boards)
    (line, _) = document["events"][0]["results"]
    assert (line["name"], line["legs"], line["lane"]) == ("Tigers AC", legs, 2)
    hytek = hytek_semicolon(boards)
    assert ";T1;Tigers AC;;KT1;Tigers AC;40.02;" in hytek
    results_pdf = _pdf_text(documents.event_results(db_session, event.id))
    assert f"T1 Tigers AC ({', '.join(legs)})" in results_pdf


def test_a_relay_heat_is_made_official_and_teams_are_found_at_the_desk(meet, db_session):
    """Records are flagged for teams (a meeting record, never a personal best); the desk
    finds a team by its name and scratches it."""
    event, heat, (tigers, lions) = _relay_heat(meet, db_session, [("Tigers AC", "T1"),
                                                                  ("Lions AC", "L1")])
    db_session.add(Record(scope=RecordScope.MEETING, discipline_code="4x100m", sex=Sex.MALE,
                          age_category="SEN", region=meet.competition.name, mark=40_100,
                          holder_name="Old Team", set_on=date(2017, 9, 1)))
    body = "\r\n".join([f"{event.id},1,3,4x100m Men,,,,,,400,15:00:00.0000",
                        "1,,2,Tigers AC,,Tigers AC,40.02,,,",
                        "2,,3,Lions AC,,Lions AC,40.50,,,", ""]).encode()
    import_lif(db_session, REGISTRAR, meet.competition.id, body, path="relay.lif")
    heat.status = HeatStatus.FINISHED
    db_session.flush()
    mark_heats_official(db_session, REGISTRAR, [heat])
    flags = dict(db_session.execute(select(Result.entry_id, Result.record_flags)
                                    .where(Result.heat_id == heat.id)).all())
    assert flags == {tigers.id: ["MR"], lions.id: []}
    assert db_session.scalar(select(func.count()).select_from(Record).where(
        Record.discipline_code == "4x100m",  # other tests leave their athletes' PBs behind
        Record.scope.in_([RecordScope.PERSONAL_BEST, RecordScope.SEASON_BEST]))) == 0
    found = find_entries(db_session, meet.competition.id, "lions")
    assert [(line.bib, line.name, line.club) for line in found] == [("L1", "Lions AC", "KL1")]
    other = meet.event("4x400m")
    team = create_relay_team(db_session, REGISTRAR, other, meet.club, bib="S1")
    assert scratch_entries(db_session, REGISTRAR, [team]) == 1


def test_a_heat_keeps_the_legs_that_ran_it_when_the_final_has_others(meet, db_session):
    """Legs change between rounds: once a heat starts, the team's declared legs are kept for
    it (a trigger on the heat's status), so the heat's results, start list and notifications
    name who ran it after the final's runners are declared; a heat put back to scheduled
    drops them, since its legs are open again."""
    from athsys.accounts.actor import SYSTEM
    from athsys.competitions.models import RelayRunLeg, RoundKind
    from athsys.notifications.models import Channel, Notification
    from athsys.notifications.service import notify_result_official, subscribe

    event = meet.event("4x100m")
    team = create_relay_team(db_session, REGISTRAR, event, meet.club, bib="R1")
    squad = _squad(meet, 5, prefix="Run")
    declare_legs(db_session, REGISTRAR, team,
                 [LegDeclaration(a.id, n) for n, a in enumerate(squad[:4], start=1)])
    heat = meet.heat(meet.round(event))
    db_session.add(LaneAssignment(heat_id=heat.id, entry_id=team.id, lane=4, position=1))
    heat.status = HeatStatus.STARTED
    db_session.flush()
    commit_checks = text("SET CONSTRAINTS ALL IMMEDIATE")  # the trigger's moment, sans commit
    db_session.execute(commit_checks)
    ran_heat = ["A Run1", "A Run2", "A Run3", "A Run4"]
    assert db_session.scalar(select(func.count()).select_from(RelayRunLeg).where(
        RelayRunLeg.heat_id == heat.id)) == 4
    db_session.add(Result(heat_id=heat.id, entry_id=team.id, mark=39_800, place=1))
    heat.status = HeatStatus.FINISHED
    final = meet.heat(meet.round(event, ordinal=2, kind=RoundKind.FINAL))
    db_session.add(LaneAssignment(heat_id=final.id, entry_id=team.id, lane=5, position=1))
    db_session.flush()
    # the final is scheduled: Run5 comes in for Run1
    declare_legs(db_session, REGISTRAR, team,
                 [LegDeclaration(a.id, n) for n, a in enumerate(squad[1:], start=1)])
    ran_final = ["A Run2", "A Run3", "A Run4", "A Run5"]
    assert reads.heat_results(db_session, heat.id)["lines"][0]["legs"] == ran_heat
    assert reads.start_list(db_session, heat.id)[0]["legs"] == ran_heat
    assert [line.legs for line in heat_sheet(db_session, heat).lines] == [tuple(ran_heat)]
    assert reads.start_list(db_session, final.id)[0]["legs"] == ran_final
    _, board = reads.event_results(db_session, event.id)
    assert board[0]["legs"] == ran_heat  # its only result so far is the heat's
    subscribe(db_session, SYSTEM, channel=Channel.EMAIL, athlete_id=squad[0].id,
              email="run1.parent@example.org")  # Run1 ran the heat only
    (created,) = notify_result_official(db_session, heat_id=heat.id)
    payload = db_session.get(Notification, created).payload
    assert [leg["name"] for leg in payload["team"]["legs"]] == ran_heat
    # put back to scheduled (a false start of the whole meet, say): what it kept is dropped
    heat.status = HeatStatus.SCHEDULED
    db_session.flush()
    assert db_session.scalar(select(func.count()).select_from(RelayRunLeg).where(
        RelayRunLeg.heat_id == heat.id)) == 0
    assert reads.heat_results(db_session, heat.id)["lines"][0]["legs"] == ran_final
