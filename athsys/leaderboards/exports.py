"""Result and start-list exports: CSV, and the semicolon results file statistics sites import.

Pure formatting of the ranked lines :mod:`athsys.leaderboards.lines` produces. Every export
keeps the non-finishers with their status (DNS, DNF, DQ, NM) in the status column and in
place of the mark, so a file read back tells a DNF from a missing line.

The semicolon export is Hy-Tek-style: semicolon-delimited, one line per athlete, as statistics
sites read Hy-Tek Meet Manager's results export, but in our own field order (it is not the
published ``H``/``E`` record layout; see ``tests/fixtures/exports/SOURCES.md``) —

``event number; event name; sex; age category; round; heat; place; bib; last name;
first name; club code; club name; mark; wind; status; record flags; heat place;
combined points``

with marks in the sport's notation (``10.05``, ``2:09:45``, ``8.41``; a hand time to the
tenth with its ``h``, ``10.2h``, as statistics lists write it), wind as ``+1.2``, the place
empty for non-finishers and the mark then replaced by their status. Given the lines of
:func:`athsys.leaderboards.reads.export_results`, the wind is the race's when the result has
none of its own, the heat place is the place within the heat (Hy-Tek's "heat place") and a
combined event's line carries its points total (Hy-Tek's "points if multi-event"; the
published E record is in ``tests/fixtures/exports/SOURCES.md``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from athsys.spreadsheet import SafeWriter, spreadsheet_safe

RESULT_COLUMNS = ("event", "place", "bib", "name", "club", "category", "mark", "status",
                  "net_time", "wind", "records", "gap", "heat", "official")
START_LIST_COLUMNS = ("event", "heat", "position", "lane", "bib", "name", "club", "seed_mark")
HYTEK_FIELDS = ("event_number", "event_name", "sex", "age_category", "round", "heat", "place",
                "bib", "last_name", "first_name", "club", "club_name", "mark", "wind",
                "status", "records", "heat_place", "points")


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = SafeWriter(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


def _mark_or_status(line: Mapping[str, Any]) -> str:
    return str(line.get("mark_text") or line["status"])


def _gap_text(line: Mapping[str, Any]) -> str:
    return str(line.get("gap_text") or "")


def results_csv(boards: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> str:
    """``boards``: (event name, ranked lines) per event, in print order."""
    return _csv(RESULT_COLUMNS, (
        (event, line.get("place"), line["bib"], line["name"], line.get("club", ""),
         line.get("category", ""), _mark_or_status(line), line["status"],
         line.get("net_text"), line.get("wind"), " ".join(line.get("records") or ()),
         _gap_text(line), line.get("heat"), "yes" if line.get("official") else "no")
        for event, lines in boards for line in lines
    ))


def start_list_csv(event: str, heat: int, lines: Sequence[Mapping[str, Any]]) -> str:
    return _csv(START_LIST_COLUMNS, (
        (event, heat, line["position"], line.get("lane"), line["bib"], line["name"],
         line.get("club", ""), line.get("seed_text", "")) for line in lines
    ))


def _semicolon_safe(value: object) -> str:
    """A field of the semicolon file: no separators or line breaks inside, no formula."""
    if value is None:
        return ""
    text = str(value).replace(";", ",").replace("\r", " ").replace("\n", " ")
    return str(spreadsheet_safe(text))


def hytek_semicolon(events: Sequence[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]]]]
                    ) -> str:
    """The semicolon results export: ``events`` is (event, ranked lines) in event order;
    the event needs ``number``, ``name``, ``sex``, ``age_category`` and ``round``."""
    out: list[str] = []
    for event, lines in events:
        for line in lines:
            fields = (
                event["number"], event["name"], event["sex"], event["age_category"],
                event["round"], line.get("heat"), line.get("place"), line["bib"],
                line.get("last_name", ""), line.get("first_name", ""), line.get("club", ""),
                line.get("club_name", ""), _mark_or_status(line), line.get("wind"),
                line["status"], ",".join(line.get("records") or ()),
                line.get("heat_place"), line.get("points"),
            )
            out.append(";".join(_semicolon_safe(value) for value in fields))
    return "\r\n".join(out) + ("\r\n" if out else "")


def team_standings_csv(standings: Mapping[str, Any]) -> str:
    """The competition's team standings: the totals (event ``All``), then each event's."""
    rows: list[Sequence[object]] = [("All", t["place"], t["team"], t["points"])
                                    for t in standings["teams"]]
    for event in standings["events"]:
        rows += [(event["name"], t["place"], t["team"], t["points"]) for t in event["teams"]]
    return _csv(("event", "place", "team", "points"), rows)
