"""What a meet prints, built from the same reads as its web pages (so paper and screen agree):

- :func:`heat_sheet`: a heat's start list for the officials (the columns of
  ``/live/heats/<id>/sheet``: position, lane, bib, name, club, seed, a blank result column);
- :func:`results`, :func:`event_results`: every event's board, or one event's (the columns
  of ``/live/<id>/print``: place, bib, name, club, mark, wind, gap, records), official or
  not said under each;
- :func:`judge_sheet`: a field flight's series as the judges' sheet shows it (one column per
  trial or bar height), blank cells to write in before it starts;
- :func:`team_scores`: an event's club scores under a points scheme;
- :func:`records`: the records that stand for the meet's events (world, area, national,
  the meeting's and the championship's), each beside the event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from athsys.competitions.models import Competition, Event, Heat
from athsys.competitions.time_zones import local_moment
from athsys.documents.pdf import MeetHeader, Section, render
from athsys.errors import NotFoundError
from athsys.leaderboards import reads, team_standings, teams
from athsys.records.models import Record, RecordScope
from athsys.results.field_sheet import field_sheet
from athsys.sport.disciplines import DISCIPLINES
from athsys.sport.marks import Measure, format_mark
from athsys.sport.sex import Sex

_RESULT_COLUMNS = ("Pl", "Bib", "Name", "Club", "Mark", "Wind", "Gap", "Records")
_RESULT_WIDTHS = (0.6, 0.8, 3.2, 1.2, 1.3, 0.9, 1.1, 1.3)


def header(competition: Competition, now: datetime | None = None) -> MeetHeader:
    dates = (f"{competition.start_date}" if competition.end_date == competition.start_date
             else f"{competition.start_date} to {competition.end_date}")
    printed = local_moment(now or datetime.now(UTC), competition.time_zone)
    return MeetHeader(competition.name, competition.venue, dates, printed)


def _competition(session: Session, competition_id: int) -> Competition:
    found = session.scalar(select(Competition).where(Competition.id == competition_id))
    if found is None:
        raise NotFoundError(f"no competition {competition_id}",
                            details={"competition_id": competition_id})
    return found


def heat_sheet(session: Session, heat_id: int) -> bytes:
    data = reads.heat_results(session, heat_id, 1, reads.MAX_PER_PAGE)
    heat = data["heat"]
    start = reads.start_list(session, heat_id)
    competition = _competition(session, data["event"]["competition_id"])
    scheduled = (heat["scheduled_start"] or "")[:16].replace("T", " ")
    section = Section(
        heading=f"{data['event']['name']} — {heat['round']} {heat['number']}",
        note=" · ".join(part for part in (data["event"]["implement"], f"Scheduled {scheduled}",
                                          f"status {heat['status']}") if part),
        columns=("Pos", "Lane", "Bib", "Name", "Club", "Seed", "Result"),
        widths=(0.6, 0.6, 0.8, 3.4, 1.2, 1.2, 1.6),
        rows=tuple((str(s["position"]), str(s["lane"] or ""), s["bib"], _name(s), s["club"],
                    s["seed_text"], "") for s in start),
        empty="Nobody is drawn in this heat yet.")
    return render(header(competition), "Start list", [section])


def _name(line: dict[str, Any]) -> str:
    """The athlete, or the relay team with its runners in leg order."""
    legs = line.get("legs") or ()
    return f"{line['name']} ({', '.join(legs)})" if legs else str(line["name"])


def _result_section(head: dict[str, Any], lines: list[dict[str, Any]]) -> Section:
    official = bool(lines) and all(line["official"] for line in lines)
    state = "official" if official else ("unofficial" if lines else "")
    return Section(
        heading=str(head["name"]),
        note=" · ".join(part for part in (f"{head['sex']} {head['age_category']}",
                                          head.get("implement"), str(head["round"]), state)
                        if part),
        columns=_RESULT_COLUMNS, widths=_RESULT_WIDTHS,
        rows=tuple((f"{line['place'] if line['place'] is not None else ''}"
                    f"{'=' if line['tied'] else ''}", str(line["bib"]), _name(line),
                    str(line["club"]), str(line["mark_text"]), str(line["wind"] or ""),
                    str(line["gap_text"] or ""), " ".join(line["records"] or []))
                   for line in lines),
        empty="No results.")


def results(session: Session, competition_id: int) -> bytes:
    """Every event's results."""
    competition = _competition(session, competition_id)
    return render(header(competition), "Results",
                  [_result_section(head, lines)
                   for head, lines in reads.competition_results(session, competition_id)])


def event_results(session: Session, event_id: int) -> bytes:
    head, lines = reads.event_results(session, event_id)
    return render(header(_competition(session, head["competition_id"])), "Results",
                  [_result_section(head, lines)])


def judge_sheet(session: Session, heat: Heat) -> bytes:
    sheet = field_sheet(session, heat)
    if sheet.vertical:
        columns = tuple(format_mark(h, Measure.HEIGHT) for h in sheet.heights) or ("", "", "")
    else:
        columns = tuple(str(n) for n in range(1, sheet.trials + 1))
    rows = tuple(
        (row.bib, row.name, *(row.cells + ("",) * (len(columns) - len(row.cells))),
         row.best, str(row.place or ""))
        for row in sheet.rows)
    section = Section(
        heading=f"{repr(heat)} — judges' sheet",
        note=" · ".join(part for part in (
            heat.round.event.implement,
            "heights cleared (o), failed (x), passed (-)" if sheet.vertical
            else "marks in metres; x a foul, - a pass", f"status {heat.status.value}") if part),
        columns=("Bib", "Name", *columns, "Best", "Pl"),
        widths=(0.8, 3.0, *(1.0 for _ in columns), 1.0, 0.6),
        rows=rows, empty="Nobody is in this flight yet.")
    return render(header(heat.round.event.competition), "Judges' sheet", [section])


def team_scores(session: Session, event_id: int, scheme: teams.PointsScheme) -> bytes:
    data = reads.team_standings(session, event_id, scheme)
    event = data["event"]
    competition = _competition(session, event["competition_id"])
    section = Section(
        heading=f"{event['name']} — team scores",
        note=f"points {'-'.join(map(str, scheme.points))} per place"
             + (f", best {scheme.scorers} of each club" if scheme.scorers else ""),
        columns=("Pl", "Club", "Points", "Scorers"), widths=(0.6, 1.4, 1.0, 6.0),
        rows=tuple((str(t["place"]), t["team"], t["points"], ", ".join(t["members"]))
                   for t in data["teams"]),
        empty="No club has scored yet.")
    return render(header(competition), "Team scores", [section])


def competition_team_scores(session: Session, competition_id: int) -> bytes:
    """The competition's team standings under its stored scheme: the totals, then each
    event's team scores (what ``/api/public/competitions/<id>/teams`` serves)."""
    data = team_standings.compute(session, competition_id)
    competition = _competition(session, competition_id)
    scheme = data["scheme"]
    if scheme is None:
        note = "this competition scores no teams"
    elif scheme["scoring"] == "cross-country":
        note = (f"cross-country: {scheme['scorers']} score, {scheme['displacers']} displace; "
                "a tie goes to the team whose last scorer finished nearer first")
    else:
        note = (f"points {'-'.join(map(str, scheme['points']))} per place"
                + (f", best {scheme['scorers']} of each club per event"
                   if scheme["scorers"] else "")
                + "; a tie goes to more first places, then seconds")
    if scheme is not None and not scheme["relays"]:
        note += "; relays not counted"

    def place(value: object) -> str:
        return "" if value is None else str(value)

    sections = [Section(
        heading="Team standings", note=note, columns=("Pl", "Club", "Points", "Events"),
        widths=(0.6, 3.0, 1.2, 1.2),
        rows=tuple((place(t["place"]), t["team"], str(t["points"]), str(t["events"]))
                   for t in data["teams"]),
        empty="No club has scored yet.")]
    sections += [Section(
        heading=f"{event['name']} — team scores", note="",
        columns=("Pl", "Club", "Points"), widths=(0.6, 3.0, 1.2),
        rows=tuple((place(t["place"]), t["team"], place(t["points"])) for t in event["teams"]),
        empty="No club has scored yet.") for event in data["events"]]
    return render(header(competition), "Team scores", sections)


_SCOPES = (RecordScope.WORLD, RecordScope.AREA, RecordScope.NATIONAL, RecordScope.MEETING,
           RecordScope.CHAMPIONSHIP)


def records(session: Session, competition_id: int) -> bytes:
    """The records that stand for each event of the meet, read in one statement."""
    competition = _competition(session, competition_id)
    events = session.scalars(select(Event).where(Event.competition_id == competition_id)
                             .order_by(Event.id)).all()
    regions = [competition.name] + ([competition.championship]
                                    if competition.championship else [])
    standing: dict[tuple[str, Sex, str], list[Record]] = {}
    if events:
        for record in session.scalars(select(Record).where(
            tuple_(Record.discipline_code, Record.sex, Record.age_category).in_(
                {(e.discipline_code, e.sex, e.age_category) for e in events}),
            Record.scope.in_(_SCOPES),
            or_(Record.scope.in_((RecordScope.WORLD, RecordScope.AREA, RecordScope.NATIONAL)),
                Record.region.in_(regions)),
        ).order_by(Record.scope, Record.region)):
            standing.setdefault((record.discipline_code, record.sex, record.age_category),
                                []).append(record)
    sections = []
    for event in events:
        found = DISCIPLINES.get(event.discipline_code)
        measure = found.measure if found else Measure.POINTS
        rows = standing.get((event.discipline_code, event.sex, event.age_category), [])
        sections.append(Section(
            heading=event.name, columns=("Record", "Region", "Mark", "Holder", "Venue", "Date"),
            widths=(0.8, 1.8, 1.0, 2.4, 2.0, 1.1),
            rows=tuple((r.scope.value, r.region or "", format_mark(
                r.mark, measure, road=bool(found and found.road), hand=r.hand_timed),
                r.holder_name or "", r.venue or "", str(r.set_on or "")) for r in rows),
            empty="No record on file."))
    return render(header(competition), "Records", sections)
