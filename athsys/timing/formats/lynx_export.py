"""FinishLynx start lists: ``lynx.evt``, ``lynx.ppl`` and ``lynx.sch`` writers (and an evt reader).

``lynx.evt``: an event line ``event,round,heat,name,wind,wind unit,template,capture time,
capture duration,distance`` (we leave the wind and capture fields blank), then one line per
competitor starting with the separator: ``,id,lane,last,first,affiliation``. A relay team
has a blank id and the team name in the last-name field. ``lynx.ppl``: ``id,last,first,
affiliation`` per competitor. ``lynx.sch``: ``event,round,heat`` per line in running order;
``;`` starts a comment. Fields holding a comma are quoted (:mod:`csv`, minimal quoting);
lines end with CRLF, as FinishLynx writes them on Windows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from athsys.errors import ValidationError
from athsys.inputs import whole_number
from athsys.spreadsheet import SafeWriter
from athsys.timing.passing import DEFAULT_MAX_LINES, ErrorCollector, decode_body, numbered_lines

EVT_LABEL = "lynx.evt"
LINE_END = "\r\n"
COMMENT = ";"


@dataclass(frozen=True)
class StartListLane:
    """One lane (or start position) of a heat: an athlete, or a relay team."""

    lane: int | None
    bib: str | None
    last_name: str
    first_name: str = ""
    affiliation: str = ""


@dataclass(frozen=True)
class StartListHeat:
    event: int
    round: int
    heat: int
    name: str
    lanes: tuple[StartListLane, ...] = ()
    distance: str | None = None


@dataclass(frozen=True)
class LynxCompetitor:
    """A line of ``lynx.ppl``."""

    bib: str
    last_name: str
    first_name: str
    affiliation: str = ""


def write_evt(heats: Iterable[StartListHeat]) -> str:
    """The ``lynx.evt`` text of the heats, in the order given."""
    rows: list[list[str]] = []
    for heat in heats:
        rows.append(
            [str(heat.event), str(heat.round), str(heat.heat), heat.name]
            + [""] * 5
            + [heat.distance or ""]
        )
        rows.extend(
            [
                "",
                lane.bib or "",
                "" if lane.lane is None else str(lane.lane),
                lane.last_name,
                lane.first_name,
                lane.affiliation,
            ]
            for lane in heat.lanes
        )
    return _write(rows)


def write_ppl(competitors: Iterable[LynxCompetitor]) -> str:
    """The ``lynx.ppl`` text: one ``id,last,first,affiliation`` line per competitor."""
    return _write(
        [c.bib, c.last_name, c.first_name, c.affiliation] for c in competitors
    )


def write_sch(heats: Iterable[StartListHeat], comment: str | None = None) -> str:
    """The ``lynx.sch`` running order, optionally headed by a ``;`` comment line."""
    head = f"{COMMENT} {comment}{LINE_END}" if comment else ""
    _check_fields([comment or ""])
    return head + _write([str(h.event), str(h.round), str(h.heat)] for h in heats)


def parse_evt(body: str | bytes, *, max_lines: int = DEFAULT_MAX_LINES) -> list[StartListHeat]:
    """Read a ``lynx.evt`` back: heats with their lanes, or one ValidationError."""
    text = decode_body(body, EVT_LABEL)
    errors = ErrorCollector(EVT_LABEL)
    heats: list[StartListHeat] = []
    lanes: list[StartListLane] = []
    for number, line in numbered_lines(text, max_lines, EVT_LABEL):
        values = [v.strip() for v in next(csv.reader([line]))]
        values += [""] * (10 - len(values))
        if values[0]:
            _close(heats, lanes)
            heat = _event_line(number, values, errors)
            if heat is not None:
                heats.append(heat)
            continue
        if not heats:
            errors.add(number, "event", "competitor line before any event line")
            continue
        if not any(values[1:5]):
            errors.add(number, "competitor", "competitor line with no id, lane or name "
                       "(are its fields shifted?)")
            continue
        lane = whole_number(values[2])
        if lane is None and values[2]:
            errors.add(number, "lane", f"'{values[2]}' is not a lane number")
        lanes.append(StartListLane(lane, values[1] or None, values[3], values[4], values[5]))
    _close(heats, lanes)
    errors.raise_if_any()
    return heats


def _event_line(number: int, values: list[str], errors: ErrorCollector) -> StartListHeat | None:
    keys = [whole_number(value) for value in values[:3]]
    for name, value, key in zip(("event", "round", "heat"), values, keys, strict=False):
        if key is None:
            errors.add(number, name, f"'{value}' is not a number")
    event, round_, heat = keys
    if event is None or round_ is None or heat is None:
        return None
    return StartListHeat(event, round_, heat, values[3], distance=values[9] or None)


def _close(heats: list[StartListHeat], lanes: list[StartListLane]) -> None:
    """Attach the lanes read so far to the last heat."""
    if heats and lanes:
        last = heats[-1]
        heats[-1] = StartListHeat(
            last.event, last.round, last.heat, last.name, tuple(lanes), last.distance
        )
    lanes.clear()


def _write(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator=LINE_END, quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        _check_fields(row)
        writer.writerow(row)
    return buffer.getvalue()


def _check_fields(row: list[str]) -> None:
    """FinishLynx reads one record per line: a field must not hold a line break."""
    for value in row:
        if "\n" in value or "\r" in value:
            raise ValidationError(
                f"FinishLynx export: field {value!r} holds a line break",
                details={"field": value},
            )
