"""Property tests of every timing file parser (Hypothesis).

1. Whatever text or bytes arrive, a parser returns or raises the project's ValidationError,
   nothing else; and what it returns can be stored: every integer fits PostgreSQL's
   ``integer`` and every time is within the supported range.
2. Valid input generated from the format's field order reads back to the values written.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from athsys.errors import ValidationError
from athsys.inputs import integer_problem, moment_problem
from athsys.spreadsheet import spreadsheet_safe
from athsys.timing.formats import parse_passings
from athsys.timing.formats.chronotrack import parse_chronotrack
from athsys.timing.formats.ipico import ipico_checksum, parse_ipico
from athsys.timing.formats.json_batch import parse_json_batch
from athsys.timing.formats.lif import parse_lif
from athsys.timing.formats.lynx_export import (
    StartListHeat,
    StartListLane,
    parse_evt,
    write_evt,
)
from athsys.timing.formats.mylaps import parse_mylaps
from athsys.timing.formats.raceresult import parse_raceresult
from athsys.timing.passing import ParseOptions, Passing

pytestmark = pytest.mark.unit

DAY = date(2025, 10, 12)
OPTIONS = ParseOptions(tz=UTC, day=DAY)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=100, deadline=None)

PARSERS: dict[str, Callable[[Any], Any]] = {
    "raceresult": lambda body: parse_raceresult(body, OPTIONS),
    "chronotrack": lambda body: parse_chronotrack(body, OPTIONS),
    "ipico": lambda body: parse_ipico(body, OPTIONS),
    "mylaps": lambda body: parse_mylaps(body, OPTIONS),
    "json_batch": lambda body: parse_json_batch(body, OPTIONS),
    "detected": lambda body: parse_passings(body, None, OPTIONS),
    "lif": parse_lif,
    "lynx_evt": parse_evt,
}


def storable(value: Any) -> None:
    """Every integer and time inside ``value`` (dataclasses, tuples, lists) can be stored."""
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            storable(getattr(value, field.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            storable(item)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        assert integer_problem(value) is None, value
    elif isinstance(value, datetime):
        assert moment_problem(value) is None, value


def only_validation_errors(name: str, body: str | bytes) -> None:
    try:
        result = PARSERS[name](body)
    except ValidationError as exc:
        assert exc.message and isinstance(exc.details, dict)
        json.dumps(exc.details)  # the 400's details serialise
        return
    storable(result)


# -- 1. arbitrary and almost-valid input --------------------------------------------------------
noise = st.text(max_size=12)
digits = st.text("0123456789", min_size=1, max_size=25)
field_value = st.one_of(noise, digits, st.sampled_from(
    ["", "0", "-1", "²", "٣", "99999999999999999999", "DQ", "DNF", "NWI", "+1.2", "1e400",
     "23:59:59.999", "24:00:00", "2025-10-12", "9999-12-31", "0001-01-01", "10.43", "1:45.123",
     "ff", "\x00", "\u2028"]))


def lines_of(separator: str, head: st.SearchStrategy[str] | None = None,
             size: int = 22) -> st.SearchStrategy[str]:
    """Lines of ``separator``-joined fields, mostly plausible, some hostile."""
    fields = st.lists(field_value, max_size=size)
    line = (st.tuples(head, fields).map(lambda hf: separator.join([hf[0], *hf[1]]))
            if head is not None else fields.map(separator.join))
    return st.lists(line, min_size=1, max_size=5).map("\n".join)


SHAPED = {
    "raceresult": lines_of(";"),
    "chronotrack": lines_of("~", st.sampled_from(["CT01_13", "CT01_33"]), size=7),
    "ipico": st.text("0123456789abcdefFSLafsl", min_size=30, max_size=44).map(lambda s: "aa" + s),
    "mylaps": st.lists(
        st.tuples(noise, st.sampled_from(["Passing", "Marker", "Other"]),
                  st.lists(st.lists(st.tuples(st.sampled_from(
                      ["t", "c", "b", "d", "an", "ans", "h", "am", "dv", "mt", "n"]),
                      field_value).map("=".join), max_size=6).map("|".join), max_size=3),
                  digits)
        .map(lambda m: "@".join([m[0], m[1], *m[2], m[3]]) + "@$"),
        min_size=1, max_size=3).map("\n".join),
    "json_batch": st.lists(st.dictionaries(
        st.sampled_from(["read_id", "chip", "bib", "timestamp", "hits", "rssi", "antenna",
                         "is_gun", "timing_point", "other"]),
        st.one_of(noise, st.integers(), st.floats(), st.booleans(), st.none(),
                  st.sampled_from(["2025-10-12T09:00:00+16:00", "9999-12-31T23:59:59-05:00",
                                   "2025-10-12T09:00:00.123Z", "0001-01-01T00:00:00"])),
    ), max_size=4).map(json.dumps),
    "lif": st.tuples(
        lines_of(",", st.sampled_from(["1,1,1", "99999999999,1,1", "²,1,1"]), size=10),
        lines_of(",", st.sampled_from(["1", "2", "DNF", "DQ R1", "DNS", "²", "0"]), size=16),
    ).map("\n".join),
    "lynx_evt": st.tuples(
        lines_of(",", st.sampled_from(["1,1,1", "99999999999,1,1", "²,1,1"]), size=9),
        lines_of(",", st.just(""), size=6),
    ).map("\n".join),
}
SHAPED["detected"] = st.one_of(*SHAPED.values())


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(body=st.one_of(st.text(), st.binary()))
def test_any_text_or_bytes_is_read_or_refused(name: str, body: str | bytes) -> None:
    only_validation_errors(name, body)


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(data=st.data())
def test_almost_valid_input_is_read_or_refused(name: str, data: st.DataObject) -> None:
    body = data.draw(SHAPED[name])
    only_validation_errors(name, body)
    only_validation_errors(name, body.encode())


# -- 2. valid input reads back ------------------------------------------------------------------
ms_of_day = st.integers(0, 24 * 3600 * 1000 - 1)
chips = st.text("ABCDEFGHJKLMNPRSTUVWXYZ0123456789", min_size=1, max_size=8)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                max_size=12).map(str.strip)


def clock(ms: int, digits: int = 3) -> str:
    seconds, fraction = divmod(ms, 1000)
    text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return text + "." + f"{fraction:03d}"[:digits] if digits else text


def moment(ms: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(milliseconds=ms)


def distinct(strategy: st.SearchStrategy[Any], key: Callable[[Any], Any]) -> Any:
    return st.lists(strategy, min_size=1, max_size=20, unique_by=key)


@ROUND_TRIP
@given(reads=distinct(st.tuples(st.integers(1, 10**6), chips, ms_of_day,
                                 st.integers(0, 255), st.integers(0, 4095)), lambda r: r[0]))
def test_raceresult_round_trip(reads: list[tuple[int, str, int, int, int]]) -> None:
    body = "\r\n".join(f"{no};{chip};{DAY.isoformat()};{clock(ms)};0;{hits:X};{rssi:x}"
                       for no, chip, ms, hits, rssi in reads)
    passings = parse_raceresult(body, OPTIONS)
    assert [(p.read_id, p.chip, p.timestamp, p.hits, p.rssi) for p in passings] == [
        (str(no), chip, moment(ms), hits, rssi) for no, chip, ms, hits, rssi in reads]


@ROUND_TRIP
@given(reads=distinct(st.tuples(chips, st.integers(0, 8_639_999), st.integers(1, 8),
                                 st.sampled_from(["start", "5k", "finish"])),
                       lambda r: (r[0], r[1] // 10 * 10, r[2], r[3])))
def test_chronotrack_round_trip(reads: list[tuple[str, int, int, str]]) -> None:
    reads = [(chip, ms // 10 * 10, antenna, point) for chip, ms, antenna, point in reads]
    body = "\n".join(f"CT01_13~{n}~{point}~{chip}~{clock(ms, 2)}~1~0004DB~{antenna}"
                     for n, (chip, ms, antenna, point) in enumerate(reads, start=1))
    passings = parse_chronotrack(body, OPTIONS)
    assert [(p.chip, p.timestamp, p.antenna, p.timing_point, p.is_gun) for p in passings] == [
        (chip, moment(ms), antenna, point, False) for chip, ms, antenna, point in reads]


def _seen_by_status(status: int | None) -> str | None:
    return {0x80: "FS", 0x40: "LS", 0x60: "LS"}.get(status) if status is not None else None


def _ipico_suffix(suffix: str, status: int | None) -> str:
    """The suffix as sent: one contradicting the status byte is refused (unit tests), so
    none is sent then."""
    from_status = _seen_by_status(status)
    return "" if from_status and suffix and suffix.upper() != from_status else suffix


@ROUND_TRIP
@given(reads=distinct(st.tuples(st.text("0123456789abcdef", min_size=12, max_size=12),
                                 st.integers(0, 8_639_999),
                                 st.sampled_from(["", "FS", "LS", "fs", "ls"]),
                                 st.sampled_from([None, 0x00, 0x80, 0x40, 0x60, 0xFF])),
                       lambda r: (r[0], r[1] // 10, _ipico_suffix(r[2], r[3]).upper(), r[3])))
def test_ipico_round_trip(reads: list[tuple[str, int, str, int | None]]) -> None:
    """Plain and tag-status (TTO) frames, with or without an FS/LS suffix in either case."""
    lines, expected = [], []
    for tag, ms, wanted_suffix, status in reads:
        centis = ms // 10
        hhmmss = clock(centis // 100 * 1000, 0).replace(":", "")
        body = f"aa01{tag}0000{DAY:%y%m%d}{hhmmss}{centis % 100:02x}"
        if status is not None:
            body += f"0700{status:02x}"
        suffix = _ipico_suffix(wanted_suffix, status)
        from_status = _seen_by_status(status)
        lines.append(body + ipico_checksum(body) + suffix)
        expected.append((tag, moment(ms // 10 * 10), suffix.upper() or from_status, "01"))
    passings = parse_ipico("\n".join(lines), OPTIONS)
    assert [(p.chip, p.timestamp, p.seen, p.reader) for p in passings] == expected


@ROUND_TRIP
@given(reads=distinct(st.tuples(chips, ms_of_day, st.integers(1, 8), st.integers(0, 999)),
                       lambda r: (r[0], r[1])))
def test_mylaps_round_trip(reads: list[tuple[str, int, int, int]]) -> None:
    records = [f"t={clock(ms)}|c={chip}|ct=UH|d={DAY:%y%m%d}|an={antenna}|h={hits}|dv=D1"
               for chip, ms, antenna, hits in reads]
    passings = parse_mylaps("Finish@Passing@" + "@".join(records) + "@17@$", OPTIONS)
    assert [(p.chip, p.timestamp, p.antenna, p.hits, p.timing_point) for p in passings] == [
        (chip, moment(ms), antenna, hits, "Finish") for chip, ms, antenna, hits in reads]


@ROUND_TRIP
@given(reads=distinct(st.tuples(st.text("abcdef0123456789-", min_size=1, max_size=64), chips,
                                 ms_of_day, st.integers(0, 1000), st.integers(-120, 0)),
                       lambda r: r[0]))
def test_json_batch_round_trip(reads: list[tuple[str, str, int, int, int]]) -> None:
    items = [{"read_id": read_id, "chip": chip, "hits": hits, "rssi": rssi,
              "timestamp": moment(ms).isoformat(timespec="milliseconds")}
             for read_id, chip, ms, hits, rssi in reads]
    passings = parse_json_batch(json.dumps(items, indent=1), OPTIONS)
    assert passings == [
        Passing(read_id=read_id, timestamp=moment(ms), chip=chip, hits=hits, rssi=rssi,
                line=passing.line)
        for (read_id, chip, ms, hits, rssi), passing in zip(reads, passings, strict=True)]


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


@ROUND_TRIP
@given(event=st.integers(1, 9999), heat_no=st.integers(1, 99), name=names,
       finishers=st.lists(st.tuples(st.text("0123456789", min_size=1, max_size=6), names,
                                    names, st.integers(1, 3_600_000), st.integers(100, 999)),
                          min_size=1, max_size=12, unique_by=lambda f: f[0]),
       tail=st.sampled_from([("", ()), (",,,", ()), (",,,,,,,,,,", ()),
                             (",,14:05:00.00,u1,u2,u3,0.1,0.2,7.1,2:20.4,,", ("u1", "u2", "u3")),
                             (",,x,,z", ("x", "", "z"))]))
def test_lif_round_trip(event: int, heat_no: int, name: str,
                        finishers: list[tuple[str, str, str, int, int]],
                        tail: tuple[str, tuple[str, ...]]) -> None:
    """Also with the trailing columns real files carry (an empty split column, the time-trial
    start, user fields, FinishLynx's delta 2, delta 3, speed and pace, empty fields)."""
    finishers = sorted(finishers, key=lambda f: f[3])
    lines = [_csv_line([str(event), "1", str(heat_no), name, "+1.2", "m/s", "", "", "", "100",
                        "14:05:00.0000"])]
    for place, (bib, last, first, ms, reaction) in enumerate(finishers, start=1):
        lines.append(_csv_line([str(place), bib, str(place), last, first, "Club",
                                f"{ms // 1000}.{ms % 1000:03d}", "", "", f"0.{reaction}"])
                     + tail[0])
    parsed = parse_lif("\r\n".join(lines) + "\r\n")
    assert (parsed.heat.event, parsed.heat.heat, parsed.heat.name, parsed.heat.wind_tenths,
            parsed.heat.start_ms) == (event, heat_no, name, 12, (14 * 60 + 5) * 60_000)
    assert [(r.place, r.bib, r.last_name, r.first_name, r.time_ms, r.reaction_ms)
            for r in parsed.results] == [
        (place, bib, last, first, ms, reaction)
        for place, (bib, last, first, ms, reaction) in enumerate(finishers, start=1)]
    users = tail[1] or ("", "", "")
    assert [(r.splits_ms, r.user_fields) for r in parsed.results] == [((), users)] * len(
        finishers)


lanes = st.builds(StartListLane, lane=st.one_of(st.none(), st.integers(1, 10)),
                  bib=st.one_of(st.none(), st.text("0123456789", min_size=1, max_size=5)),
                  last_name=names, first_name=names, affiliation=names,
                  # a start-list line names a lane, an id or a name (else it is refused)
                  ).filter(lambda lane: lane.lane is not None or lane.bib or lane.last_name
                           or lane.first_name)


@ROUND_TRIP
@given(heats=st.lists(st.builds(
    StartListHeat, event=st.integers(1, 9999), round=st.integers(1, 9), heat=st.integers(1, 99),
    name=names.filter(bool), lanes=st.lists(lanes, max_size=8).map(tuple),
    distance=st.one_of(st.none(), st.sampled_from(["100", "400", "10000"]))),
    min_size=1, max_size=4))
def test_lynx_evt_round_trip(heats: list[StartListHeat]) -> None:
    """Every heat comes back as written, its names as a spreadsheet may show them (a timing
    crew opens these files in one too: a name that would be a formula is quoted)."""
    assert parse_evt(write_evt(heats)) == [_as_written(heat) for heat in heats]


def _as_written(heat: StartListHeat) -> StartListHeat:
    lanes = tuple(dataclasses.replace(
        lane, last_name=str(spreadsheet_safe(lane.last_name)),
        first_name=str(spreadsheet_safe(lane.first_name)),
        affiliation=str(spreadsheet_safe(lane.affiliation))) for lane in heat.lanes)
    return dataclasses.replace(heat, name=str(spreadsheet_safe(heat.name)), lanes=lanes)


# -- 3. the one-pass reading of a plain JSON batch equals the item-by-item reading ------------
stamps = st.builds(
    lambda ms, offset, digits: _written(moment(ms), offset, digits), ms_of_day,
    st.sampled_from([None, "Z", "+00:00", "+02:00", "-05:30", "+15:59", "+16:00"]),
    st.sampled_from([0, 1, 3, 4]))


def _written(at: datetime, offset: str | None, digits: int) -> str:
    """``at`` as a device may write it: with an offset or none, 0 to 4 decimals."""
    text = at.strftime("%Y-%m-%dT%H:%M:%S")
    text += f".{at.microsecond:06d}"[: digits + 1] if digits else ""
    return text + (offset or "")


plain_read = st.fixed_dictionaries(
    {"read_id": st.one_of(*[st.text("abcdef0123456789-", min_size=1, max_size=8)] * 12,
                          st.sampled_from(['r{1}', '"q"', "back\\slash", "é", "a:b", "x" * 65])),
     "timestamp": st.one_of(
         *[ms_of_day.map(lambda ms: moment(ms).isoformat(timespec="milliseconds"))] * 6, stamps),
     "chip": chips},
    optional={"rssi": st.integers(-90, 0), "hits": st.integers(0, 5), "antenna": st.none(),
              "bib": st.sampled_from([None, "12", "123456789012"] * 3 + ["1234567890123"]),
              "timing_point": st.sampled_from(["finish", "finish", "{5k}", "km:5", None]),
              "is_gun": st.booleans()})
odd_read = st.one_of(
    plain_read.map(lambda r: {**r, "chip": None}), plain_read.map(lambda r: {**r, "chip": ""}),
    plain_read.map(lambda r: {**r, "hits": -1}), plain_read.map(lambda r: {**r, "hits": 2**31}),
    plain_read.map(lambda r: {**r, "hits": True}), plain_read.map(lambda r: {**r, "rssi": 1.0}),
    plain_read.map(lambda r: {**r, "is_gun": None}),
    plain_read.map(lambda r: {**r, "colour": "red"}),
    plain_read.map(lambda r: {**r, "bib": "a\u0000b"}),
    plain_read.map(lambda r: {**r, "nested": {"a": 1}}),
    st.just({"read_id": "old", "chip": "C1", "timestamp": "2020-01-01T00:00:00Z"}),
    st.just({"read_id": "gun", "is_gun": True, "timestamp": "2025-10-12T09:00:00"}),
    st.just({"read_id": "none", "timestamp": "2025-10-12T09:00:00Z"}),
    st.just([1]))
plain_reads = st.lists(plain_read, max_size=8, unique_by=lambda r: r["read_id"])


@settings(max_examples=600, deadline=None)
@given(items=plain_reads, odd=st.one_of(st.none(), st.none(), st.none(), odd_read),
       repeat=st.sampled_from([False] * 4 + [True]), indent=st.sampled_from([None, 0, 1, 2]),
       ensure_ascii=st.booleans(), twice=st.sampled_from([None] * 4 + ["chip", "timing_point"]),
       options=st.sampled_from([OPTIONS, OPTIONS, ParseOptions(tz=UTC, day=DAY, max_lines=9,
                                                      valid_from=moment(0),
                                                      valid_until=moment(86_399_999)),
                                ParseOptions(tz=ZoneInfo("Europe/Berlin"), day=DAY)]))
def test_a_plain_json_batch_reads_in_one_pass_as_item_by_item(
        items: list[Any], odd: Any, repeat: bool, indent: int | None, ensure_ascii: bool,
        twice: str | None, options: ParseOptions) -> None:
    """What the one pass accepts, the item-by-item reading accepts and reads the same; a
    batch it leaves is one the item-by-item reading refuses, or one with an escape in a
    string or a brace inside one. ``twice``: the last item names that member twice."""
    from athsys.timing.formats.json_batch import (
        PLAIN_TIMESTAMP_FORM,
        _item_by_item,
        read_plain_batch,
    )

    items = items + ([odd] if odd is not None else []) + (items[:1] if repeat else [])
    text = json.dumps(items, indent=indent, ensure_ascii=ensure_ascii)
    if twice is not None and "}" in text:
        cut = text.rfind("}")
        text = f'{text[:cut]}, "{twice}": "T1"{text[cut:]}'
    batch = read_plain_batch(text, options)
    plain = batch.passings() if batch is not None else None
    try:
        expected = _item_by_item(text, options)
    except ValidationError:
        assert batch is None  # refused batches are read item by item, for their errors
        return
    if plain is not None:
        assert plain == expected  # every field, the line of each item included
        assert batch is not None  # and the times it stores carry the same moments
        assert [datetime.fromisoformat(at) for at in batch.read_at] == [
            p.timestamp for p in plain]
    else:  # left for an escape, a brace in a string, or a time written in another form
        assert ("\\" in text or text.count("{") != len(items)
                or not all(PLAIN_TIMESTAMP_FORM.fullmatch(i["timestamp"]) for i in items))
