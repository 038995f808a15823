"""A competition (meet), its events, rounds, heats, entries and lane assignments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from athsys.athletes.models import Athlete, Club
from athsys.db import Base, Timestamped, enum_type
from athsys.sport.age_categories import WORLD_ATHLETICS, category_implement
from athsys.sport.disciplines import Discipline, EventKind, discipline
from athsys.sport.sex import Sex


class CompetitionStatus(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"  # entries accepted
    LIVE = "live"
    FINISHED = "finished"
    OFFICIAL = "official"


class RoundKind(enum.Enum):
    HEAT = "heat"
    QUALIFICATION = "qualification"
    SEMI = "semi"
    FINAL = "final"


#: A round as a schedule names it.
ROUND_NAMES: dict[RoundKind, str] = {
    RoundKind.HEAT: "Heats", RoundKind.QUALIFICATION: "Qualification",
    RoundKind.SEMI: "Semi-finals", RoundKind.FINAL: "Final",
}


def heat_name(number: int, field: bool) -> str:
    """``heat 2`` on the track, ``group B`` for a field flight."""
    return f"group {chr(ord('A') + number - 1)}" if field else f"heat {number}"


class HeatStatus(enum.Enum):
    SCHEDULED = "scheduled"
    STARTED = "started"
    FINISHED = "finished"
    OFFICIAL = "official"


class EntryStatus(enum.Enum):
    ENTERED = "entered"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    SCRATCHED = "scratched"


class Competition(Timestamped, Base):
    __tablename__ = "competition"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    venue: Mapped[str] = mapped_column(String(160))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    status: Mapped[CompetitionStatus] = mapped_column(
        enum_type(CompetitionStatus, "competition_status"),
        default=CompetitionStatus.DRAFT,
        server_default=CompetitionStatus.DRAFT.value,
    )
    allow_self_registration: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # conditions its marks are published with (athsys.sport.conditions): i, A
    indoor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    altitude_m: Mapped[int | None] = mapped_column(Integer)  # the venue's, metres
    # the championship it is an edition of, whose records are CR ("National Championships")
    championship: Mapped[str | None] = mapped_column(String(120))
    # how teams (clubs) score: athsys.leaderboards.team_scheme, validated before it is stored
    team_scheme: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # the table its athletes' age categories come from (athsys.sport.age_categories)
    age_categories: Mapped[str] = mapped_column(String(16), default=WORLD_ATHLETICS,
                                                server_default=WORLD_ATHLETICS)

    events: Mapped[list[Event]] = relationship(
        back_populates="competition", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("altitude_m BETWEEN -500 AND 5000", name="altitude_m"),
        UniqueConstraint("name", "start_date"),
        Index("ix_competition_start_date_desc", text("start_date DESC")),
    )

    def __repr__(self) -> str:
        return f"{self.name} ({self.start_date:%Y})"


class Event(Timestamped, Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id", ondelete="CASCADE")
    )
    discipline_code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[Sex] = mapped_column(enum_type(Sex, "sex"))
    age_category: Mapped[str] = mapped_column(String(12), default="SEN", server_default="SEN")
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind, "event_kind"))
    lanes: Mapped[int] = mapped_column(Integer, default=8, server_default="8")
    # the mark an entry's seed mark must equal or better, in the discipline's unit
    entry_standard: Mapped[int | None] = mapped_column(Integer)

    competition: Mapped[Competition] = relationship(back_populates="events")
    rounds: Mapped[list[Round]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Round.ordinal",
    )
    entries: Mapped[list[Entry]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
        foreign_keys="Entry.event_id",
    )

    __table_args__ = (
        UniqueConstraint("competition_id", "discipline_code", "sex", "age_category"),
        # target of Entry's composite key: an entry's competition is its event's competition
        UniqueConstraint("id", "competition_id", name="uq_event_id_competition_id"),
        CheckConstraint("lanes BETWEEN 4 AND 10", name="lanes"),
        CheckConstraint("entry_standard IS NULL OR entry_standard > 0",
                        name="entry_standard_positive"),
        Index("ix_event_competition_id", "competition_id"),
    )

    @property
    def discipline(self) -> Discipline:
        return discipline(self.discipline_code)

    @property
    def implement(self) -> str | None:
        """The implement's weight or the barriers' height its category uses ("5 kg")."""
        return category_implement(self.discipline_code, self.age_category, self.sex)

    def __repr__(self) -> str:
        return self.name


class Round(Timestamped, Base):
    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    kind: Mapped[RoundKind] = mapped_column(enum_type(RoundKind, "round_kind"))
    ordinal: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # advancement rule: first `advance_by_place` of each heat (Q), then the `advance_by_time`
    # fastest (q)
    advance_by_place: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    advance_by_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ties_both_advance: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true")
    )
    scheduled_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    event: Mapped[Event] = relationship(back_populates="rounds")
    heats: Mapped[list[Heat]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Heat.number",
    )

    __table_args__ = (
        UniqueConstraint("event_id", "ordinal"),
        CheckConstraint("advance_by_place >= 0 AND advance_by_time >= 0", name="advancement"),
    )

    def __repr__(self) -> str:
        """``Men 100 m, Heats``; a combined event's rounds are its events, named by ordinal
        (``Decathlon, event 4``)."""
        if self.event.kind is EventKind.COMBINED:
            return f"{self.event!r}, event {self.ordinal}"
        return f"{self.event!r}, {ROUND_NAMES[self.kind]}"


class Heat(Timestamped, Base):
    """One race of a round (the seed's "race"), or one flight of a field event."""

    __tablename__ = "heat"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    name: Mapped[str | None] = mapped_column(String(120))
    scheduled_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    gun_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    wind: Mapped[int | None] = mapped_column(Integer)  # tenths of m/s: +1.2 m/s is 12
    status: Mapped[HeatStatus] = mapped_column(
        enum_type(HeatStatus, "heat_status"),
        default=HeatStatus.SCHEDULED,
        server_default=HeatStatus.SCHEDULED.value,
    )
    draw_seed: Mapped[int | None] = mapped_column(Integer)  # the lot, kept to reproduce it
    # timed by hand: the times typed in it are hand times unless the official says otherwise
    hand_timed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    round: Mapped[Round] = relationship(back_populates="heats")
    lane_assignments: Mapped[list[LaneAssignment]] = relationship(
        back_populates="heat", cascade="all, delete-orphan", passive_deletes=True,
        order_by="LaneAssignment.position",
    )

    __table_args__ = (
        UniqueConstraint("round_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("wind IS NULL OR wind BETWEEN -300 AND 300", name="wind_range"),
        Index("ix_heat_scheduled_start_desc", text("scheduled_start DESC NULLS LAST")),
        Index("ix_heat_round_id", "round_id"),
    )

    def __repr__(self) -> str:
        """``Men 100 m, Heats, heat 2`` / ``Women Long Jump, Final, group A``."""
        return f"{self.round!r}, {heat_name(self.number, self.round.event.kind is EventKind.FIELD)}"


class Entry(Timestamped, Base):
    """An athlete entered in an event, with bib and seed mark; or a relay team of a club
    (``team_name``, ``club_id``, no athlete) whose runners are its :class:`RelayLeg` rows.

    A relay team is an entry so that seeding, lane draws, heats, results, timing, live pages
    and exports all work on it as on an athlete's entry."""

    __tablename__ = "entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer)
    competition_id: Mapped[int] = mapped_column(Integer)
    athlete_id: Mapped[int | None] = mapped_column(
        ForeignKey("athlete.id", ondelete="RESTRICT"))
    # a relay team: its club and its name as the start list shows it ("Tigers AC A")
    club_id: Mapped[int | None] = mapped_column(ForeignKey("club.id", ondelete="RESTRICT"))
    team_name: Mapped[str | None] = mapped_column(String(80))
    bib: Mapped[str] = mapped_column(String(12))
    seed_mark: Mapped[int | None] = mapped_column(Integer)  # ms or mm, as the discipline measures
    status: Mapped[EntryStatus] = mapped_column(
        enum_type(EntryStatus, "entry_status"),
        default=EntryStatus.ENTERED,
        server_default=EntryStatus.ENTERED.value,
    )
    # why the athlete runs although the event's sex or age category excludes them (a guest,
    # a dispensation); only a registrar may give it (athsys.competitions.eligibility)
    eligibility_override: Mapped[str | None] = mapped_column(String(200))
    # why the entry stands although its seed mark misses the event's entry standard
    standard_waiver: Mapped[str | None] = mapped_column(String(200))

    event: Mapped[Event] = relationship(back_populates="entries", foreign_keys=[event_id])
    athlete: Mapped[Athlete | None] = relationship()
    club: Mapped[Club | None] = relationship()
    legs: Mapped[list[RelayLeg]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True,
        order_by="RelayLeg.leg.asc().nulls_last(), RelayLeg.id",
        foreign_keys="RelayLeg.entry_id",
    )

    __table_args__ = (
        ForeignKeyConstraint(
            ["event_id", "competition_id"],
            ["event.id", "event.competition_id"],
            ondelete="CASCADE",
            name="fk_entry_event_competition",
        ),
        UniqueConstraint("competition_id", "bib", name="uq_entry_competition_id_bib"),
        UniqueConstraint("event_id", "athlete_id"),
        UniqueConstraint("event_id", "team_name"),
        # target of RelayLeg's composite key: a leg's event is its team's event
        UniqueConstraint("id", "event_id", name="uq_entry_id_event_id"),
        CheckConstraint("(athlete_id IS NULL) <> (team_name IS NULL)",
                        name="athlete_or_team"),
        CheckConstraint("team_name IS NULL OR club_id IS NOT NULL", name="team_has_club"),
        CheckConstraint("team_name IS NULL OR length(btrim(team_name)) > 0",
                        name="team_name_not_blank"),
        CheckConstraint("seed_mark IS NULL OR seed_mark > 0", name="seed_mark_positive"),
        Index("ix_entry_athlete_id", "athlete_id"),
        Index("ix_entry_club_id", "club_id"),
        Index("ix_entry_event_id", "event_id"),
        Index("ix_entry_bib_trgm", "bib", postgresql_using="gin",  # the pickers (0019)
              postgresql_ops={"bib": "gin_trgm_ops"}),
        Index("ix_entry_team_name_trgm", "team_name", postgresql_using="gin",  # (0022)
              postgresql_ops={"team_name": "gin_trgm_ops"},
              postgresql_where=text("team_name IS NOT NULL")),
    )

    @property
    def is_relay(self) -> bool:
        return self.team_name is not None

    @property
    def competitor_name(self) -> str:
        """The athlete's name, or the relay team's."""
        if self.team_name is not None or self.athlete is None:
            return self.team_name or ""
        return self.athlete.full_name

    @property
    def competitor_club_id(self) -> int | None:
        """The club the entry belongs to: the relay team's, or the athlete's."""
        return self.club_id if self.athlete is None else self.athlete.club_id

    def __repr__(self) -> str:
        return f"{self.bib} {self.team_name if self.is_relay else repr(self.athlete)}"


class RelayLeg(Base):
    """A runner declared for a relay team: the leg they run (1 = first), or ``None`` for a
    reserve. An athlete runs for one team of an event, once."""

    __tablename__ = "relay_leg"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(Integer)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athlete.id", ondelete="RESTRICT"))
    leg: Mapped[int | None] = mapped_column(Integer)

    entry: Mapped[Entry] = relationship(back_populates="legs", foreign_keys=[entry_id])
    athlete: Mapped[Athlete] = relationship()

    __table_args__ = (
        ForeignKeyConstraint(
            ["entry_id", "event_id"], ["entry.id", "entry.event_id"],
            ondelete="CASCADE", name="fk_relay_leg_entry_event",
        ),
        UniqueConstraint("entry_id", "leg"),
        UniqueConstraint("event_id", "athlete_id"),
        CheckConstraint("leg IS NULL OR leg BETWEEN 1 AND 10", name="leg_range"),
        Index("ix_relay_leg_athlete_id", "athlete_id"),
    )


class RelayRunLeg(Base):
    """Who ran a leg for a relay team in a heat: the team's declared legs as they stood when
    the heat started. A trigger on ``heat`` keeps them when the transaction that started it
    commits (migration 0024), whatever started it (console, admin, timing import), and drops
    them if the heat goes back to scheduled; so a heat's result keeps its runners when the
    team changes its legs for the next round."""

    __tablename__ = "relay_run_leg"

    heat_id: Mapped[int] = mapped_column(ForeignKey("heat.id", ondelete="CASCADE"),
                                         primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"),
                                          primary_key=True)
    leg: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athlete.id", ondelete="RESTRICT"))

    __table_args__ = (
        CheckConstraint("leg BETWEEN 1 AND 10", name="run_leg_range"),
        Index("ix_relay_run_leg_entry_id", "entry_id"),
        Index("ix_relay_run_leg_athlete_id", "athlete_id"),
    )


class LaneAssignment(Base):
    """Who runs in which lane of a heat (or in which order of a field flight)."""

    __tablename__ = "lane_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    heat_id: Mapped[int] = mapped_column(ForeignKey("heat.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    lane: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # start or competition order, 1-based

    heat: Mapped[Heat] = relationship(back_populates="lane_assignments")
    entry: Mapped[Entry] = relationship()

    __table_args__ = (
        UniqueConstraint("heat_id", "lane"),
        UniqueConstraint("heat_id", "entry_id"),
        UniqueConstraint("heat_id", "position"),
        CheckConstraint("lane IS NULL OR lane BETWEEN 1 AND 10", name="lane_range"),
        CheckConstraint("position >= 1", name="position_positive"),
        Index("ix_lane_assignment_entry_id", "entry_id"),
    )
