"""Checking a CSV of entries before anything is stored: every bad row and field is named.

Columns (a header line; case, spaces and underscores do not matter): ``bib`` (optional:
numbered when blank), ``first name``, ``last name``, ``sex`` (M or F/W), ``birth date``
(YYYY-MM-DD or DD/MM/YYYY), ``club`` (code or name; optional), ``licence`` (optional),
``event`` (the discipline code, ``100m``, ``LJ``, with ``/U20`` when the meet holds it in
several age categories) and ``seed mark`` (optional, in the event's notation: ``10.85``,
``1:58.30``, ``6.12``), and ``standard waiver`` (optional: the reason a registrar enters a
row whose seed mark misses the event's entry standard; without one such a row is refused).

A relay team is a row with a ``club`` and a ``team`` name (``Tigers AC A``) and no athlete:
its ``event`` is a relay (``4x100m``), ``sex`` is needed only when the meet holds the relay
for both, and its legs are declared later (:mod:`athsys.competitions.relays`).

:func:`check_entries` is pure: it is given the competition's events, first day and the
bibs already handed out, and answers the rows as they would be stored (bibs assigned) and
the problems, one per bad field of a row, each naming its line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from athsys.competitions.eligibility import eligibility_problem, standard_problem
from athsys.errors import ValidationError
from athsys.sport.age_categories import WORLD_ATHLETICS
from athsys.sport.disciplines import discipline
from athsys.sport.marks import format_mark, parse_mark
from athsys.sport.plausible import check_plausible
from athsys.sport.sex import Sex

MAX_ROWS: Final = 5000
_ALIASES: Final = {
    "bib": "bib", "bib_number": "bib", "number": "bib",
    "first_name": "first_name", "firstname": "first_name", "given_name": "first_name",
    "last_name": "last_name", "lastname": "last_name", "surname": "last_name",
    "family_name": "last_name",
    "sex": "sex", "gender": "sex",
    "birth_date": "birth_date", "birthdate": "birth_date", "date_of_birth": "birth_date",
    "dob": "birth_date",
    "club": "club", "licence": "licence", "license": "licence",
    "event": "event", "event_code": "event",
    "seed_mark": "seed_mark", "seed": "seed_mark", "entry_mark": "seed_mark",
    "team": "team", "team_name": "team", "relay_team": "team",
    "standard_waiver": "standard_waiver", "waiver": "standard_waiver",
    "waiver_reason": "standard_waiver",
}
REQUIRED: Final = ("first_name", "last_name", "sex", "event")
TEAMS_REQUIRED: Final = ("club", "team", "event")  # a file of relay teams only
_SEXES: Final = {"M": Sex.MALE, "F": Sex.FEMALE, "W": Sex.FEMALE}
_LENGTHS: Final = {"bib": 12, "first_name": 80, "last_name": 80, "club": 120, "licence": 32,
                   "team": 80, "standard_waiver": 200}
_DATE_LAYOUTS: Final = ("%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class EventChoice:
    """An event of the competition, as a CSV row may name it."""

    id: int
    code: str
    sex: Sex
    age_category: str
    name: str
    category_table: str = WORLD_ATHLETICS  # the competition's (athsys.sport.age_categories)
    entry_standard: int | None = None  # as stored (ms, mm, points)


@dataclass(frozen=True)
class Problem:
    line: int  # in the file, the header is line 1
    field: str
    message: str


@dataclass(frozen=True)
class CheckedRow:
    line: int
    bib: str
    bib_assigned: bool
    first_name: str
    last_name: str
    sex: Sex
    birth_date: date | None
    club: str
    licence: str
    event_id: int
    event: str
    seed_mark: int | None
    seed_text: str  # the seed mark in the sport's notation, "" without one
    team: str = ""  # a relay team's name: the row enters the club's team, no athlete
    standard_waiver: str = ""  # why the entry standard is waived, "" when it is not

    @property
    def athlete_key(self) -> tuple[str, ...]:
        """Who the row's athlete is: their licence, else name and birth date."""
        if self.licence:
            return ("licence", self.licence.upper())
        return ("name", self.first_name.casefold(), self.last_name.casefold(),
                self.birth_date.isoformat() if self.birth_date else "")


@dataclass
class ImportCheck:
    rows: list[CheckedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _column(name: str) -> str:
    key = re.sub(r"[\s_\-]+", "_", name.strip().lower()).strip("_")
    return _ALIASES.get(key, key)


def _parse_date(text: str) -> date:
    for layout in _DATE_LAYOUTS:
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise ValueError(text)


def _find_event(code: str, sex: Sex, events: Sequence[EventChoice]) -> EventChoice | str:
    """The event ``code`` (``LJ``, ``LJ/U20``) names for an athlete of ``sex``, or why none."""
    wanted, _, category = code.partition("/")
    same_code = [e for e in events if e.code.casefold() == wanted.strip().casefold()]
    if category:
        same_code = [e for e in same_code if e.age_category.casefold() ==
                     category.strip().casefold()]
    if not same_code:
        known = sorted({e.code if list(x.code for x in events).count(e.code) == 1
                        else f"{e.code}/{e.age_category}" for e in events})
        return f"unknown event {code!r}: this meet holds {', '.join(known) or 'no event'}"
    for_sex = [e for e in same_code if e.sex is sex]
    if not for_sex:
        return same_code[0].name + ": " + (eligibility_problem(
            same_code[0].sex, "SEN", sex, None, date.min) or "not for this athlete")
    if len(for_sex) > 1:
        choices = ", ".join(f"{e.code}/{e.age_category}" for e in for_sex)
        return f"event {code!r} is held in several age categories: write one of {choices}"
    return for_sex[0]


def check_entries(text: str, events: Sequence[EventChoice], first_day: date,
                  taken_bibs: Collection[str], first_bib: int | None = None,
                  taken_teams: Collection[tuple[int, str]] = ()) -> ImportCheck:
    """The rows of the CSV ``text`` as they would be entered, and every problem found;
    ``taken_teams`` are the relay teams already entered, as (event id, name casefolded)."""
    check = ImportCheck()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    lines = [(number, row) for number, row in enumerate(reader, start=1)
             if any(cell.strip() for cell in row)]
    if not lines:
        check.problems.append(Problem(1, "file", "the file is empty: a header line and one "
                                                 "line per entry are expected"))
        return check
    _, header = lines[0]
    columns = [_column(name) for name in header]
    missing = [name for name in REQUIRED if name not in columns]
    if missing and all(name in columns for name in TEAMS_REQUIRED):
        missing = []  # relay teams only: their rows name no athlete
    if missing:
        check.problems.append(Problem(1, "header", f"missing column(s) {', '.join(missing)}; "
                                                   f"the header has {', '.join(header)}"))
        return check
    if len(lines) - 1 > MAX_ROWS:
        check.problems.append(Problem(1, "file", f"{len(lines) - 1} rows: at most {MAX_ROWS} "
                                                 "in one import"))
        return check
    first_bib_line: dict[str, int] = {}
    entered: dict[tuple[object, ...], int] = {}
    pending: list[tuple[int, dict[str, str], EventChoice, Sex, date | None, int | None]] = []
    for number, row in lines[1:]:
        cells = {name: (row[i].strip() if i < len(row) else "")
                 for i, name in enumerate(columns)}
        found = (_check_team_row(number, cells, events, check.problems) if cells.get("team")
                 else _check_row(number, cells, events, first_day, check.problems))
        if found is None:
            continue
        event, sex, birth, mark = found
        before = len(check.problems)
        bib = cells.get("bib", "")
        if bib:
            if bib in taken_bibs:
                check.problems.append(Problem(number, "bib", f"bib {bib} is already "
                                                             "handed out in this competition"))
            elif bib in first_bib_line:
                check.problems.append(Problem(number, "bib", f"duplicate bib {bib}: line "
                                              f"{first_bib_line[bib]} has it too"))
            else:
                first_bib_line[bib] = number
        licence = cells.get("licence", "")
        team = cells.get("team", "")
        who = (("team", " ".join(team.split()).casefold()) if team else
               ("licence", licence.upper()) if licence else
               ("name", cells["first_name"].casefold(), cells["last_name"].casefold(), birth))
        if team and (event.id, who[1]) in taken_teams:
            check.problems.append(Problem(number, "team", f"{event.name} already has a team "
                                                          f"named {' '.join(team.split())}"))
        elif (who, event.id) in entered:
            check.problems.append(Problem(
                number, "team" if team else "event",
                f"the {'team' if team else 'athlete'} is already entered in {event.name} "
                f"on line {entered[(who, event.id)]}"))
        entered.setdefault((who, event.id), number)
        if len(check.problems) == before:
            pending.append((number, cells, event, sex, birth, mark))
    used = set(taken_bibs) | set(first_bib_line)
    numeric = [int(b) for b in used if b.isdigit()]
    next_bib = first_bib if first_bib is not None else max(numeric, default=0) + 1
    for number, cells, event, sex, birth, mark in pending:
        bib = cells.get("bib", "")
        assigned = not bib
        if assigned:
            while str(next_bib) in used:
                next_bib += 1
            bib = str(next_bib)
            used.add(bib)
        found_discipline = discipline(event.code)
        check.rows.append(CheckedRow(
            line=number, bib=bib, bib_assigned=assigned,
            first_name=cells.get("first_name", ""), last_name=cells.get("last_name", ""),
            sex=sex, birth_date=birth, club=cells.get("club", ""),
            licence=cells.get("licence", ""), event_id=event.id, event=event.name,
            seed_mark=mark,
            seed_text="" if mark is None else format_mark(mark, found_discipline.measure,
                                                          road=found_discipline.road),
            team=" ".join(cells.get("team", "").split()),
            standard_waiver=cells.get("standard_waiver", "") if _misses_standard(event, mark)
            else ""))
    return check


def _misses_standard(event: EventChoice, mark: int | None) -> str | None:
    return standard_problem(event.entry_standard, mark, discipline(event.code).measure)


def _check_standard(number: int, cells: dict[str, str], event: EventChoice, mark: int | None,
                    problems: list[Problem]) -> None:
    """A seed mark that misses the event's entry standard needs a waiver's reason in the row
    (a reason on a row that meets the standard is not stored)."""
    problem = _misses_standard(event, mark)
    if problem is not None and not cells.get("standard_waiver"):
        problems.append(Problem(number, "seed_mark", f"{event.name}: {problem}; a registrar "
                                "may enter it anyway, writing the reason in a standard "
                                "waiver column"))


def _check_row(number: int, cells: dict[str, str], events: Sequence[EventChoice],
               first_day: date, problems: list[Problem]
               ) -> tuple[EventChoice, Sex, date | None, int | None] | None:
    """The row's event, sex, birth date and seed mark; None (with its problems) when bad."""
    before = len(problems)

    def bad(name: str, message: str) -> None:
        problems.append(Problem(number, name, message))

    for name in ("first_name", "last_name"):
        if not cells.get(name):
            bad(name, f"{name.replace('_', ' ')} is required")
    for name, limit in _LENGTHS.items():
        if len(cells.get(name, "")) > limit:
            bad(name, f"{name.replace('_', ' ')}: at most {limit} characters")
    sex = _SEXES.get(cells.get("sex", "").upper()[:1]) if cells.get("sex") else None
    if sex is None:
        bad("sex", f"sex must be M or F, not {cells.get('sex', '')!r}")
    birth: date | None = None
    if cells.get("birth_date"):
        try:
            birth = _parse_date(cells["birth_date"])
        except ValueError:
            bad("birth_date", f"bad date {cells['birth_date']!r}: write YYYY-MM-DD")
        else:
            if not date(1900, 1, 2) <= birth <= first_day:
                bad("birth_date", f"birth date {birth:%Y-%m-%d} is not plausible")
                birth = None
    event: EventChoice | None = None
    if not cells.get("event"):
        bad("event", "event is required")
    elif sex is not None:
        chosen = _find_event(cells["event"], sex, events)
        if isinstance(chosen, str):
            bad("event", chosen)
        elif discipline(chosen.code).relay:
            bad("event", f"{chosen.name} is a relay: its row names the team (club and team "
                         "columns), not an athlete")
        else:
            event = chosen
    mark: int | None = None
    if event is not None:
        problem = eligibility_problem(event.sex, event.age_category, sex or event.sex,
                                      birth, first_day, event.category_table)
        if problem is not None and "birth_date" not in {p.field for p in problems[before:]}:
            bad("event", f"{event.name}: {problem}")
        if cells.get("seed_mark"):
            found = discipline(event.code)
            try:
                mark = parse_mark(cells["seed_mark"], found.measure, field="seed mark")
                check_plausible(mark, found, event.sex, field="seed mark")
            except ValidationError as exc:
                bad("seed_mark", f"{event.name}: {exc.message}")
        if "seed_mark" not in {p.field for p in problems[before:]}:
            _check_standard(number, cells, event, mark, problems)
    if len(problems) > before or event is None or sex is None:
        return None
    return event, sex, birth, mark


def _check_team_row(number: int, cells: dict[str, str], events: Sequence[EventChoice],
                    problems: list[Problem]
                    ) -> tuple[EventChoice, Sex, date | None, int | None] | None:
    """A relay team's row: its club, relay event and seed mark (the sex is the event's);
    None (with its problems) when bad. The row names no athlete: a name or a birth date
    there is refused, not dropped, since the writer meant something else."""
    before = len(problems)

    def bad(name: str, message: str) -> None:
        problems.append(Problem(number, name, message))

    for name in ("first_name", "last_name", "birth_date", "licence"):
        if cells.get(name):
            bad(name, f"a relay team's row names no athlete: leave "
                      f"{name.replace('_', ' ')} blank (the legs are declared later)")
    for name, limit in _LENGTHS.items():
        if len(cells.get(name, "")) > limit:
            bad(name, f"{name.replace('_', ' ')}: at most {limit} characters")
    if not cells.get("club"):
        bad("club", "a relay team's club is required")
    sex: Sex | None = None
    if cells.get("sex"):
        sex = _SEXES.get(cells["sex"].upper()[:1])
        if sex is None:
            bad("sex", f"sex must be M or F, not {cells['sex']!r}")
    event: EventChoice | None = None
    if not cells.get("event"):
        bad("event", "event is required")
    elif not cells.get("sex") or sex is not None:
        chosen = _find_team_event(cells["event"], sex, events)
        if isinstance(chosen, str):
            bad("event", chosen)
        else:
            event = chosen
    mark: int | None = None
    if event is not None and cells.get("seed_mark"):
        found = discipline(event.code)
        try:
            mark = parse_mark(cells["seed_mark"], found.measure, field="seed mark")
            check_plausible(mark, found, None if found.mixed else event.sex, field="seed mark")
        except ValidationError as exc:
            bad("seed_mark", f"{event.name}: {exc.message}")
    if event is not None and "seed_mark" not in {p.field for p in problems[before:]}:
        _check_standard(number, cells, event, mark, problems)
    if len(problems) > before or event is None:
        return None
    return event, event.sex, None, mark


def _find_team_event(code: str, sex: Sex | None, events: Sequence[EventChoice]
                     ) -> EventChoice | str:
    """The relay event ``code`` (``4x100m``, ``4x100m/U20``) names for a team (of ``sex``
    when the row gives one; a mixed relay takes either), or why none."""
    wanted, _, category = (part.strip().casefold() for part in code.partition("/"))
    same_code = [e for e in events if e.code.casefold() == wanted
                 and (not category or e.age_category.casefold() == category)]
    relays = [e for e in same_code if discipline(e.code).relay]
    if same_code and not relays:
        return f"{same_code[0].name} is not a relay: a team cannot enter it"
    fitting = [e for e in relays if sex is None or e.sex is sex or discipline(e.code).mixed]
    if len(fitting) == 1:
        return fitting[0]
    if not fitting:
        known = sorted({e.code for e in events if discipline(e.code).relay})
        return (f"unknown relay {code!r}" + ("" if sex is None else " for this sex") +
                f": this meet holds {', '.join(known) or 'no relay'}")
    choices = ", ".join(f"{e.code}/{e.age_category} ({e.sex.value})" for e in fitting)
    return f"relay {code!r} is held several times: give the sex or write one of {choices}"
