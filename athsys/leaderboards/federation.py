"""Federation and statistics exports, each in the layout its site reads.

Pure formatting of the ranked lines :func:`athsys.leaderboards.reads.export_results` gives
(the lines of :func:`athsys.leaderboards.lines.line_json` with what exports add:
``heat_place``, the wind of the race when the result has none of its own, and a combined
event's points). Every file is spreadsheet-formula-safe (:mod:`athsys.spreadsheet`), keeps
non-finishers with their status in place of the mark and an empty place, and never carries
a private field (licence, birth date).

Where each layout comes from, and how sure we are of it: ``tests/fixtures/exports/SOURCES.md``.

- :func:`athletic_net_csv`: Athletic.net's "Delimited Results Format" (a heading row, then one
  athlete a line; the headings its guide requires, ``FirstName``, ``LastName``, ``Team``,
  ``Time``, ``Gender``, with ``Place`` and ``Grade``, and ``Event`` for track and field).
  A hand time is written without its ``h`` (the guide reads ``10.1`` as hand timed, ``10.11``
  as fully automatic); marks in metres ``MMM.cc``; a combined event's points in ``Time``.
  ``Score`` (team points) is left out: which scoring a meet uses is not stored.
- :func:`tfrrs_csv`: a TFRRS-compatible results CSV (one result a line, event, round, heat,
  places overall and in the heat, athlete, team, mark, wind, combined points).
- :func:`power_of_10_csv`: the Power of 10 (UK Athletics rankings) results sheet: event, age
  group, race, position, performance, wind, name, club, sex.
- :func:`results_document`: the documented JSON results file (``docs/results-json.md``).
"""

from __future__ import annotations

import io
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from athsys.sport.conditions import WIND_LIMIT
from athsys.spreadsheet import SafeWriter

#: JSON results file version (``docs/results-json.md``); raise it when a field changes meaning.
RESULTS_JSON_VERSION: Final = 1

ATHLETIC_NET_COLUMNS: Final = ("Event", "Gender", "Division", "Place", "FirstName", "LastName",
                               "Team", "Grade", "Time", "Wind", "Heat", "HeatPlace")
TFRRS_COLUMNS: Final = ("EVENT", "GENDER", "ROUND", "HEAT", "PLACE", "HEAT_PLACE", "BIB",
                        "LAST", "FIRST", "TEAM_CODE", "TEAM", "MARK", "WIND", "POINTS",
                        "STATUS")
POWER_OF_10_COLUMNS: Final = ("Event", "AgeGroup", "Race", "Pos", "Perf", "Wind", "Bib",
                              "FirstName", "Surname", "Club", "Sex", "Notes")

Board = tuple[Mapping[str, Any], Sequence[Mapping[str, Any]]]

_HAND = "h"

_ROUND_WORDS: Final = {"heat": "Prelims", "qualification": "Qualifying", "semi": "Semi-Finals",
                       "final": "Finals"}
_PO10_RACE: Final = {"heat": "h", "qualification": "q", "semi": "s", "final": "f"}


# -- what exports add to the lines ---------------------------------------------------------


def heat_places(lines: Sequence[Mapping[str, Any]]) -> list[int | None]:
    """Each line's place within its heat (or flight): ranked lines carry the place on the
    whole board, ties shared; in a heat, a line is one behind every line of that heat with a
    better board place. Non-finishers have none, nor has a line without a heat (a combined
    event's total)."""
    places: dict[Any, list[int]] = {}
    for line in lines:
        if line.get("place") is not None and line.get("heat_id") is not None:
            places.setdefault(line["heat_id"], []).append(int(line["place"]))
    for heat in places.values():
        heat.sort()  # a marathon's one heat: 50,000 places, each then found by bisection
    out: list[int | None] = []
    for line in lines:
        place = line.get("place")
        if place is None or line.get("heat_id") is None:
            out.append(None)
            continue
        out.append(1 + bisect_left(places[line["heat_id"]], int(place)))
    return out


#: What exports add to a line from its result and lane (absent: None).
DETAIL_FIELDS: Final = ("lane", "reaction_time", "qualification", "status_rule", "source")


def enrich(event: Mapping[str, Any], lines: Sequence[Mapping[str, Any]],
           heats: Mapping[int, Mapping[str, Any]],
           details: Mapping[tuple[int, int], Mapping[str, Any]] | None = None,
           combined: Mapping[int, Sequence[Mapping[str, Any]]] | None = None
           ) -> list[dict[str, Any]]:
    """The lines of ``event`` as exports write them.

    ``heats``: heat id -> the heat (its ``wind`` as published); ``details``: (heat id, entry
    id) -> the :data:`DETAIL_FIELDS` of the result; ``combined``: entry id -> each event of a
    combined competition with its mark and points. Adds ``heat_place``; ``wind``: the
    result's own, else, for a finisher of a race where wind is measured, its heat's (a
    race's wind is every runner's; a field event's wind is each attempt's, never the
    flight's), and then ``w`` in ``conditions`` if that wind assisted; the result's
    ``DETAIL_FIELDS``; on a combined event's board ``points`` (the total) and
    ``combined_events``."""
    race_wind = (bool(event.get("wind_measured")) and event.get("measure") == "time"
                 and not event.get("road"))
    points = bool(event.get("combined"))
    out = []
    for line, heat_place in zip(lines, heat_places(lines), strict=True):
        ok = line.get("status") == "OK"
        heat_id = line.get("heat_id")
        wind = line.get("wind")
        conditions = list(line.get("conditions") or ())
        if wind is None and race_wind and ok and heat_id is not None:
            wind = (heats.get(int(heat_id)) or {}).get("wind")
            if wind is not None and _tenths(wind) > WIND_LIMIT and "w" not in conditions:
                conditions.insert(0, "w")  # the race was wind-assisted: so is its mark
        detail = (details or {}).get((int(heat_id), int(line["entry_id"]))) \
            if heat_id is not None else None
        out.append({
            **line, **{key: (detail or {}).get(key) for key in DETAIL_FIELDS},
            "heat_place": heat_place, "wind": wind, "conditions": conditions,
            "points": line.get("mark") if points and ok else None,
            "combined_events": list((combined or {}).get(int(line["entry_id"]), ())),
        })
    return out


def _tenths(wind: str) -> int:
    """A published wind back to tenths of m/s, exactly: ``"+2.1"`` -> 21, ``"-0.4"`` -> -4."""
    return int(wind.replace(".", ""))


# -- formatting ----------------------------------------------------------------------------


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


def _status_or(line: Mapping[str, Any], mark: str | None) -> str:
    return mark if line.get("status") == "OK" and mark else str(line.get("status") or "")


def _mark(line: Mapping[str, Any]) -> str:
    """The mark in the sport's notation (``10.2h`` for a hand time), or the status."""
    return _status_or(line, line.get("mark_text"))


def _mark_without_hand(line: Mapping[str, Any]) -> str:
    """The mark as sites that tell hand times by their one decimal read it: ``10.2``."""
    text = _mark(line)
    return text[:-1] if line.get("hand_timed") and text.endswith(_HAND) else text


def _sex_word(sex: str) -> str:
    return {"M": "M", "F": "F"}.get(sex, "X")


def athletic_net_csv(boards: Sequence[Board]) -> str:
    """Athletic.net's delimited results file: ``boards`` are (event, ranked enriched lines)."""
    return _csv(ATHLETIC_NET_COLUMNS, (
        (event["name"], _sex_word(line.get("sex") or event["sex"]), event.get("age_category"),
         line.get("place"), line.get("first_name"), line.get("last_name"),
         line.get("club_name") or line.get("club"), None, _mark_without_hand(line),
         line.get("wind"), line.get("heat"), line.get("heat_place"))
        for event, lines in boards for line in lines
    ))


def tfrrs_csv(boards: Sequence[Board]) -> str:
    """The TFRRS-compatible results CSV: ``boards`` are (event, ranked enriched lines)."""
    return _csv(TFRRS_COLUMNS, (
        (event["name"], _sex_word(line.get("sex") or event["sex"]),
         _ROUND_WORDS.get(str(event.get("round") or ""), event.get("round")), line.get("heat"),
         line.get("place"), line.get("heat_place"), line.get("bib"), line.get("last_name"),
         line.get("first_name"), line.get("club"), line.get("club_name"), _mark(line),
         line.get("wind"), line.get("points"), line.get("status"))
        for event, lines in boards for line in lines
    ))


def power_of_10_csv(boards: Sequence[Board]) -> str:
    """The Power of 10 results sheet: ``boards`` are (event, ranked enriched lines). The race
    is the round's letter and the heat number (``h2``, ``f``), the notes the mark's conditions
    (``w`` wind-assisted, ``i`` indoor, ``A`` altitude) and the records."""
    def race(event: Mapping[str, Any], line: Mapping[str, Any]) -> str:
        letter = _PO10_RACE.get(str(event.get("round") or ""), "")
        heat = line.get("heat")
        return f"{letter}{heat}" if letter and letter != "f" and heat else letter

    return _csv(POWER_OF_10_COLUMNS, (
        (event["name"], line.get("category") or event.get("age_category"), race(event, line),
         line.get("place"), _mark(line), line.get("wind"), line.get("bib"),
         line.get("first_name"), line.get("last_name"), line.get("club_name") or line.get("club"),
         _sex_word(line.get("sex") or event["sex"]),
         " ".join((*(line.get("conditions") or ()), *(line.get("records") or ()))))
        for event, lines in boards for line in lines
    ))


#: The fields of a line in the JSON results file, in order (``docs/results-json.md``).
JSON_LINE_FIELDS: Final = (
    "place", "tied", "heat_place", "entry_id", "bib", "first_name", "last_name", "name",
    "legs", "sex", "category", "club", "club_name", "heat_id", "heat", "lane", "status",
    "status_rule", "mark", "mark_text", "hand_timed", "net_mark", "net_text", "wind",
    "reaction_time", "gap", "gap_text", "qualification", "conditions", "records", "grade",
    "points",
    "combined_events", "source", "revision", "official",
)
JSON_EVENT_FIELDS: Final = ("id", "number", "name", "discipline", "kind", "sex",
                            "age_category", "measure", "road", "combined", "wind_measured",
                            "round_id", "round", "heats", "results")
JSON_COMPETITION_FIELDS: Final = ("id", "name", "venue", "start_date", "end_date", "indoor",
                                  "altitude_m", "championship", "time_zone", "status")


def results_document(competition: Mapping[str, Any], boards: Sequence[Board]) -> dict[str, Any]:
    """The JSON results file: the competition, then every event with its whole board."""
    return {
        "format": "athsys-results", "version": RESULTS_JSON_VERSION,
        "competition": {key: competition.get(key) for key in JSON_COMPETITION_FIELDS},
        "events": [
            {**{key: event.get(key) for key in JSON_EVENT_FIELDS[:-1]},
             "results": [{**{key: line.get(key) for key in JSON_LINE_FIELDS},
                          "legs": list(line.get("legs") or ())} for line in lines]}
            for event, lines in boards
        ],
    }
