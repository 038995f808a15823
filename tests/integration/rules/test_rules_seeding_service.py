import pytest
from sqlalchemy import select

from athsys.audit.models import AuditLog
from athsys.competitions.models import HeatStatus, LaneAssignment
from athsys.errors import ConflictError, ValidationError
from athsys.officiating.planning import advance_round, seed_round
from athsys.results.models import Result
from athsys.sport.ranking import ResultStatus
from tests.integration.rules.conftest import REGISTRAR

pytestmark = pytest.mark.integration

# World Athletics TR 20 (2023): lanes of the ranking groups, best group first.
LANE_GROUPS = {
    "100m": [{3, 4, 5, 6}, {2, 7}, {1, 8}],
    "200m": [{5, 6, 7}, {3, 4, 8}, {1, 2}],
    "400m": [{4, 5, 6, 7}, {3, 8}, {1, 2}],
}


def _lanes(session, heat_id):
    rows = session.execute(select(LaneAssignment.entry_id, LaneAssignment.lane)
                           .where(LaneAssignment.heat_id == heat_id)).all()
    return dict(rows)


@pytest.mark.parametrize("code", ["100m", "200m", "400m"])
def test_lane_groups_through_the_seeding_service(meet, db_session, code):
    event = meet.event(code)
    # entered in reverse, so the ranking comes from the seed marks, not the order of entry
    entries = [meet.entry(event, f"{code[:1]}{rank}", 10_000 + 10 * rank)
               for rank in range(8, 0, -1)][::-1]
    rnd = meet.round(event)
    seeded = seed_round(db_session, REGISTRAR, rnd, seed=2023)
    assert len(seeded) == 1
    lanes = _lanes(db_session, seeded[0].heat_id)
    groups = LANE_GROUPS[code]
    ranks_of_group = [entries[:len(groups[0])],
                      entries[len(groups[0]):len(groups[0]) + len(groups[1])],
                      entries[len(groups[0]) + len(groups[1]):]]
    for group, members in zip(groups, ranks_of_group, strict=True):
        assert {lanes[e.id] for e in members} == group
    assert rnd.heats[0].draw_seed == 2023


def test_a_six_lane_track_seeds_its_heats_and_draws_lanes_by_lot(meet, db_session):
    """A club track of 6 lanes: 14 runners in three heats of at most 6, every lane 1-6 used
    at most once a heat, and over the heats the fastest runner is not always in the middle."""
    event = meet.event("400m", lanes=6)
    fastest = [meet.entry(event, f"L{rank}", 50_000 + 100 * rank) for rank in range(1, 15)][0]
    rnd = meet.round(event)
    seeded = seed_round(db_session, REGISTRAR, rnd, seed=11)
    assert [len(heat.start_list) for heat in seeded] == [5, 5, 4]
    for heat in seeded:
        lanes = [lane for _, _, lane in heat.start_list]
        assert len(set(lanes)) == len(lanes) and set(lanes) <= set(range(1, 7))
    lanes_drawn = {lane for seed in range(12)
                   for entry_id, _, lane in seed_round(db_session, REGISTRAR, rnd, seed=seed)[0]
                   .start_list if entry_id == fastest.id}
    assert len(lanes_drawn) > 1


def test_the_same_seed_gives_the_same_draw_and_another_seed_another(meet, db_session):
    event = meet.event("100m")
    for rank in range(1, 17):
        meet.entry(event, f"S{rank}", 10_000 + rank)
    rnd = meet.round(event)
    first = seed_round(db_session, REGISTRAR, rnd, seed=7)
    again = seed_round(db_session, REGISTRAR, rnd, seed=7)
    assert first == again
    other = seed_round(db_session, REGISTRAR, rnd, seed=8)
    assert [h.start_list for h in other] != [h.start_list for h in first]
    assert {h.draw_seed for h in rnd.heats} == {8}


def test_zig_zag_balances_heats(meet, db_session):
    event = meet.event("100m")
    entries = [meet.entry(event, f"Z{rank}", 10_000 + rank) for rank in range(1, 20)]
    meet.entry(event, "Z99")  # no seed mark: seeded last
    rnd = meet.round(event)
    seeded = seed_round(db_session, REGISTRAR, rnd, seed=1)
    assert [len(h.start_list) for h in seeded] == [7, 7, 6]
    heat_of = {entry_id: h.number for h in seeded for entry_id, _, _ in h.start_list}
    # ranks 1-3 go to heats 1, 2, 3; ranks 4-6 come back 3, 2, 1
    assert [heat_of[e.id] for e in entries[:6]] == [1, 2, 3, 3, 2, 1]
    audit = db_session.scalars(select(AuditLog).where(
        AuditLog.entity == "Round", AuditLog.entity_id == str(rnd.id),
        AuditLog.action == "seed")).one()
    assert audit.changes["draw_seed"] == 1 and set(audit.changes["heats"]) == {"1", "2", "3"}


def test_an_overfull_heat_is_refused_and_nothing_is_written(meet, db_session):
    event = meet.event("100m")
    for rank in range(1, 11):
        meet.entry(event, f"O{rank}", 10_000 + rank)
    rnd = meet.round(event)
    with pytest.raises(ValidationError, match="10 entries do not fit in 1 heats of 8 lanes"):
        seed_round(db_session, REGISTRAR, rnd, heats=1, seed=3)
    assert db_session.scalars(select(LaneAssignment).join(LaneAssignment.heat)
                              .where(LaneAssignment.heat.has(round_id=rnd.id))).all() == []


def test_a_round_already_run_is_not_seeded_again(meet, db_session):
    event = meet.event("100m")
    meet.entry(event, "R1", 10_100)
    rnd = meet.round(event)
    seed_round(db_session, REGISTRAR, rnd, seed=3)
    rnd.heats[0].status = HeatStatus.STARTED
    with pytest.raises(ConflictError, match="heat 1 has already been run"):
        seed_round(db_session, REGISTRAR, rnd, seed=4)


def _finish(db_session, heat, times):
    for entry_id, time_ms in times.items():
        status = ResultStatus.OK if time_ms else ResultStatus.DNF
        db_session.add(Result(heat_id=heat.id, entry_id=entry_id, mark=time_ms, status=status))
    heat.status = HeatStatus.FINISHED
    db_session.flush()


def test_advance_marks_q_and_seeds_the_final_from_the_results(meet, db_session):
    event = meet.event("100m")
    entries = [meet.entry(event, f"A{n}", 10_000 + n) for n in range(1, 25)]
    heats_round = meet.round(event, by_place=2, by_time=2)
    seeded = seed_round(db_session, REGISTRAR, heats_round, seed=11)
    assert len(seeded) == 3
    times: dict[int, int] = {}
    for heat in seeded:
        for position, (entry_id, _, _) in enumerate(heat.start_list):
            times[entry_id] = 10_100 + 10 * position + heat.number
    slowest_heat = seeded[2]
    dnf = slowest_heat.start_list[0][0]
    times[dnf] = 0
    for heat in heats_round.heats:
        _finish(db_session, heat, {e: t for e, t in times.items()
                                   if e in {x for x, _, _ in next(
                                       s for s in seeded if s.heat_id == heat.id).start_list}})
    outcome = advance_round(db_session, REGISTRAR, heats_round, seed=5)
    assert sorted(outcome.qualified.values()).count("Q") == 6
    assert sorted(outcome.qualified.values()).count("q") == 2
    assert dnf not in outcome.qualified
    stored = dict(db_session.execute(
        select(Result.entry_id, Result.qualification)
        .where(Result.qualification.is_not(None),
               Result.heat_id.in_([h.id for h in heats_round.heats]))).all())
    assert {e: q.value for e, q in stored.items()} == outcome.qualified
    # the final: one heat of 8, the fastest heat winner (heat 1's winner) in lanes 3-6
    assert len(outcome.next_heats) == 1
    final_lanes = {entry_id: lane for entry_id, _, lane in outcome.next_heats[0].start_list}
    assert set(final_lanes) == set(outcome.qualified)
    winners = sorted((times[e], e) for e, q in outcome.qualified.items() if q == "Q"
                     and times[e] % 10 and times[e] < 10_110)
    for _, winner in winners:
        assert final_lanes[winner] in {3, 4, 5, 6}
    q_by_time = [e for e, q in outcome.qualified.items() if q == "q"]
    assert all(final_lanes[e] in {1, 2, 7, 8} for e in q_by_time)
    assert entries  # all entered
    actions = set(db_session.scalars(select(AuditLog.action).where(
        AuditLog.entity == "Round",
        AuditLog.entity_id.in_([str(heats_round.id), str(outcome.next_round_id)]))))
    assert {"advance", "seed", "create"} <= actions


def test_advance_refuses_an_unfinished_round(meet, db_session):
    event = meet.event("100m")
    meet.entry(event, "U1", 10_100)
    rnd = meet.round(event, by_place=1)
    seed_round(db_session, REGISTRAR, rnd, seed=1)
    with pytest.raises(ConflictError, match="heat 1 is not finished"):
        advance_round(db_session, REGISTRAR, rnd, seed=1)
