import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from athsys import migrations
from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import (
    Competition,
    Entry,
    Event,
    Heat,
    LaneAssignment,
    Round,
    RoundKind,
)
from athsys.models import metadata
from athsys.results.models import Result
from athsys.sport.disciplines import EventKind
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from athsys.timing.models import ChipAssignment
from tests.support import servers

pytestmark = pytest.mark.integration

MEET_DAY = date(2026, 6, 1)
MORNING = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@dataclass
class Meet:
    competition: Competition
    event: Event
    heat: Heat
    athletes: list[Athlete]


def _competition(session: Session, name: str) -> Competition:
    competition = Competition(name=name, venue="Track", start_date=MEET_DAY, end_date=MEET_DAY)
    session.add(competition)
    return competition


def _event(competition: Competition) -> Event:
    return Event(competition=competition, discipline_code="100m", name="100 m Men",
                 sex=Sex.MALE, kind=EventKind.TRACK)


@pytest.fixture()
def meet(db_session: Session) -> Meet:
    club = Club(name="Constraint Test AC", code="CTAC")
    athletes = [Athlete(first_name=f"Runner{i}", last_name="Tester", sex=Sex.MALE, club=club)
                for i in range(3)]
    competition = _competition(db_session, "Constraint Test Meet")
    event = _event(competition)
    heat = Heat(round=Round(event=event, kind=RoundKind.FINAL), number=1)
    db_session.add_all([*athletes, event, heat])
    db_session.flush()
    return Meet(competition, event, heat, athletes)


def _entry(meet: Meet, athlete: int, bib: str) -> Entry:
    return Entry(event_id=meet.event.id, competition_id=meet.competition.id,
                 athlete_id=meet.athletes[athlete].id, bib=bib)


def _counts(session: Session) -> dict[str, int]:
    return {table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in metadata.sorted_tables}


def _refused(session: Session, constraint: str, *rows: object) -> None:
    """Adding ``rows`` fails on ``constraint`` and leaves every table as it was."""
    before = _counts(session)
    with pytest.raises(IntegrityError) as caught:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    assert caught.value.orig.diag.constraint_name == constraint
    assert constraint in str(caught.value)
    assert _counts(session) == before


def test_a_bib_is_unique_in_a_competition(db_session: Session, meet: Meet) -> None:
    db_session.add(_entry(meet, 0, "101"))
    db_session.flush()
    _refused(db_session, "uq_entry_competition_id_bib", _entry(meet, 1, "101"))


def test_the_same_bib_may_be_worn_in_two_competitions(db_session: Session, meet: Meet) -> None:
    other = _competition(db_session, "Another Meet")
    other_event = _event(other)
    db_session.add(other_event)
    db_session.flush()
    db_session.add_all([
        _entry(meet, 0, "101"),
        Entry(event_id=other_event.id, competition_id=other.id, athlete_id=meet.athletes[1].id,
              bib="101"),
    ])
    db_session.flush()
    assert db_session.scalar(select(func.count()).where(Entry.bib == "101")) == 2


def test_a_lane_holds_one_athlete_per_heat(db_session: Session, meet: Meet) -> None:
    first, second = _entry(meet, 0, "101"), _entry(meet, 1, "102")
    db_session.add_all([first, second])
    db_session.flush()
    db_session.add(LaneAssignment(heat_id=meet.heat.id, entry_id=first.id, lane=4, position=1))
    db_session.flush()
    _refused(db_session, "uq_lane_assignment_heat_id_lane",
             LaneAssignment(heat_id=meet.heat.id, entry_id=second.id, lane=4, position=2))


def test_an_entry_has_one_result_per_heat(db_session: Session, meet: Meet) -> None:
    entry = _entry(meet, 0, "101")
    db_session.add(entry)
    db_session.flush()
    db_session.add(Result(heat_id=meet.heat.id, entry_id=entry.id, mark=10_432))
    db_session.flush()
    _refused(db_session, "uq_result_heat_id_entry_id",
             Result(heat_id=meet.heat.id, entry_id=entry.id, mark=10_499))


def test_a_chip_is_worn_by_one_entry_at_a_time(db_session: Session, meet: Meet) -> None:
    first, second = _entry(meet, 0, "101"), _entry(meet, 1, "102")
    db_session.add_all([first, second])
    db_session.flush()
    worn = ChipAssignment(competition_id=meet.competition.id, chip="ABC123", entry_id=first.id,
                          valid_from=MORNING)
    db_session.add(worn)
    db_session.flush()

    def handed_on() -> ChipAssignment:
        return ChipAssignment(competition_id=meet.competition.id, chip="ABC123",
                              entry_id=second.id, valid_from=MORNING + timedelta(hours=1))

    _refused(db_session, "uq_chip_assignment_active_chip", handed_on())

    worn.valid_until = MORNING + timedelta(hours=1)
    db_session.add(handed_on())
    db_session.flush()
    assert db_session.scalar(select(func.count()).where(ChipAssignment.chip == "ABC123")) == 2


def test_an_entry_belongs_to_its_events_competition(db_session: Session, meet: Meet) -> None:
    other = _competition(db_session, "Another Meet")
    db_session.flush()
    _refused(db_session, "fk_entry_event_competition",
             Entry(event_id=meet.event.id, competition_id=other.id,
                   athlete_id=meet.athletes[0].id, bib="101"))


def test_a_result_with_status_ok_has_a_mark(db_session: Session, meet: Meet) -> None:
    entry = _entry(meet, 0, "101")
    db_session.add(entry)
    db_session.flush()
    _refused(db_session, "ck_result_ok_has_mark",
             Result(heat_id=meet.heat.id, entry_id=entry.id, status=ResultStatus.OK, mark=None))
    db_session.add(Result(heat_id=meet.heat.id, entry_id=entry.id, status=ResultStatus.DNS))
    db_session.flush()


@pytest.mark.parametrize("wind", [301, -301])
def test_a_heat_wind_beyond_30_metres_per_second_is_refused(
    db_session: Session, meet: Meet, wind: int
) -> None:
    _refused(db_session, "ck_heat_wind_range", Heat(round_id=meet.heat.round_id, number=2,
                                                    wind=wind))


def test_a_competition_ends_on_or_after_its_start(db_session: Session) -> None:
    _refused(db_session, "ck_competition_dates_in_order",
             Competition(name="Backwards Meet", venue="Track", start_date=MEET_DAY,
                         end_date=MEET_DAY - timedelta(days=1)))


# -- schema -------------------------------------------------------------------------------

def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """As the migrations' env.py: Flask-AppBuilder's ab_* tables are not in our metadata."""
    return not (type_ == "table" and name is not None and name.startswith("ab_"))


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": _include_name, "compare_type": True}
        )
        return compare_metadata(context, metadata)


def _is_account_key(diff: object) -> bool:
    """The accepted difference: a key into Flask-AppBuilder's tables (``user_profile.user_id``
    references ``ab_user``) is declared in the migration only, as ``ab_*`` tables live in
    Flask-AppBuilder's metadata, not ours."""
    if not (isinstance(diff, tuple) and diff[0] == "remove_fk"):
        return False
    return diff[1].referred_table.name.startswith("ab_")


def test_the_migrations_build_the_schema_the_models_declare(engine: Engine) -> None:
    differences = _differences(engine)
    assert [d for d in differences if not _is_account_key(d)] == []
    assert "user_profile" in {d[1].parent.name for d in differences}


@pytest.fixture()
def scratch_url(test_servers: servers.TestServers) -> Iterator[str]:
    admin_url = test_servers.admin_database_url
    url = make_url(admin_url).set(database="athsys_models_roundtrip")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "athsys_models_roundtrip" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "athsys_models_roundtrip"'))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "athsys_models_roundtrip" WITH (FORCE)'))
        admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )))
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(scratch_url: str) -> None:
    from alembic import command

    migrations.upgrade(scratch_url)
    at_head = _tables(scratch_url)
    assert {table.name for table in metadata.sorted_tables} <= at_head

    command.downgrade(migrations.alembic_config(scratch_url), "base")
    assert _tables(scratch_url) <= {"alembic_version"}

    migrations.upgrade(scratch_url)
    assert _tables(scratch_url) == at_head
    engine = create_engine(scratch_url)
    try:
        assert [d for d in _differences(engine) if not _is_account_key(d)] == []
    finally:
        engine.dispose()


def _index_columns(engine: Engine, table: str) -> list[list[str]]:
    """The key columns (as written, with DESC/NULLS) of every index on ``table``."""
    with engine.connect() as conn:
        definitions = conn.scalars(
            text("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = :t"),
            {"t": table},
        ).all()
    columns = []
    for definition in definitions:
        match = re.search(r"USING \w+ \((.*?)\)(?: WHERE .*)?$", definition)
        assert match, definition
        columns.append([column.strip() for column in match.group(1).split(",")])
    return columns


@pytest.mark.parametrize(
    ("table", "leading"),
    [
        ("heat", ["scheduled_start DESC"]),  # races by date, newest first
        ("athlete", ["first_name", "last_name"]),  # athletes by (first name, last name)
        ("result", ["heat_id"]),  # results of a heat
        ("entry", ["athlete_id"]),  # the entries of an athlete
    ],
)
def test_the_indexes_the_lists_need_exist(engine: Engine, table: str, leading: list[str]) -> None:
    indexes = _index_columns(engine, table)
    assert any(
        len(columns) >= len(leading)
        and all(column.startswith(want) for column, want in zip(columns, leading, strict=False))
        for columns in indexes
    ), f"no index on {table} starts with {leading}: {indexes}"
