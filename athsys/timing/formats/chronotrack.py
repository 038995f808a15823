"""ChronoTrack CTP01 tag observations, one per line.

``CT01_13~LineNo~Point~Tag~TimeOfDay~ReadOccurrence~ReaderMAC~AntennaPort``: a read at
timing point ``Point``; antenna port 0 is the gun input (DESIGN §5, as open-source
forwarders treat it). ``CT01_33`` lines have the same eight fields (sequence, location, tag,
time, lap, reader, gator); the tag ``guntime`` marks a gun time and ``newlocation``
announces a new timing point (no read: skipped). Some readers separate fields with commas
instead of ``~``; both are accepted. The time of day is ``hh:mm:ss.cc`` (date from
:attr:`ParseOptions.day`) or ISO ``yyyy-mm-ddThh:mm:ss.cc``.

Line numbers restart when a reader reconnects, so the read id is built from the read itself:
``point|tag|date time|reader|antenna``.

A raw capture of the TCP session also holds the protocol's control lines (CTP01, as
ChronoTrack documents it and open-source CTP01 clients write it): the greetings
(``RunScore~Version 6.5~CTP01``, ``PointCam~1.0.0~4``), the initialisation requests
(``stream-mode=push``), the commands (``start~finish``, ``stop``, ``ping``,
``getconnectionid``, ``geteventinfo``, ``getlocations``) and their answers (``ack~…``,
``err~…``). They carry no read and are skipped; anything else that is not a tag
observation is refused naming its line.
"""

from __future__ import annotations

import re
from datetime import date

from athsys.inputs import whole_number
from athsys.timing.passing import (
    ErrorCollector,
    ParseOptions,
    Passing,
    check_window,
    local_moment,
    parse_clock_ms,
    parse_line_format,
)

FORMAT_LABEL = "ChronoTrack"
TAG_READ = "CT01_13"
TAG_READ_V33 = "CT01_33"
GUN_TAG = "guntime"
NEW_LOCATION_TAG = "newlocation"
GUN_ANTENNA = 0
FIELDS = ("protocol", "line_no", "point", "tag", "time", "occurrence", "reader", "antenna")


_COMMANDS = frozenset({"start", "stop", "ping", "getconnectionid", "geteventinfo",
                       "getlocations"})
_ANSWERS = frozenset({"ack", "err"})
_INIT_REQUEST = re.compile(r"^[a-z][a-z-]*=\S*$")


def is_control_line(line: str) -> bool:
    """A CTP01 greeting, initialisation request, command or answer: no read."""
    values = line.strip().split("~")
    head = values[0].lower()
    if head in _COMMANDS or head in _ANSWERS or _INIT_REQUEST.match(line.strip()):
        return True
    greeting = len(values) == 3 and all(values)
    return greeting and (values[2] == "CTP01" or values[2].isdigit())


def parse_chronotrack(body: str | bytes, options: ParseOptions | None = None) -> list[Passing]:
    """All reads and gun times of a ChronoTrack payload, or one ValidationError."""
    return parse_line_format(body, options, FORMAT_LABEL, _parse_line)


def _parse_line(
    number: int, line: str, options: ParseOptions, errors: ErrorCollector
) -> Passing | None:
    if is_control_line(line):
        return None
    separator = "~" if "~" in line else ","
    values = [value.strip() for value in line.split(separator)]
    if values[0] not in (TAG_READ, TAG_READ_V33):
        errors.add(number, "protocol", f"'{values[0]}' is not {TAG_READ} or {TAG_READ_V33}")
        return None
    if len(values) != len(FIELDS):
        errors.add(number, None, f"expected {len(FIELDS)} fields, got {len(values)}")
        return None
    field = dict(zip(FIELDS, values, strict=True))
    tag = field["tag"]
    if field["protocol"] == TAG_READ_V33 and tag.lower() == NEW_LOCATION_TAG:
        return None
    before = len(errors.errors)
    if not field["point"]:
        errors.add(number, "point", "missing")
    if not tag:
        errors.add(number, "tag", "missing")
    for name in ("line_no", "occurrence"):
        if whole_number(field[name]) is None:
            errors.add(number, name, f"'{field[name]}' is not a whole number")
    antenna = whole_number(field["antenna"])
    if antenna is None:
        errors.add(number, "antenna", f"'{field['antenna']}' is not an antenna port")
    day, ms_of_day = _time_of_day(field["time"], options, number, errors)
    if len(errors.errors) > before or day is None or ms_of_day is None or antenna is None:
        return None

    if field["protocol"] == TAG_READ_V33:
        is_gun = tag.lower() == GUN_TAG
    else:
        is_gun = antenna == GUN_ANTENNA
    timestamp = local_moment(day, ms_of_day, options.tz)
    check_window(timestamp, options, errors, number, "time")
    return Passing(
        read_id=(
            f"{field['point']}|{tag}|{day.isoformat()} {field['time'].rpartition('T')[2]}"
            f"|{field['reader']}|{antenna}"
        ),
        timestamp=timestamp,
        chip=None if is_gun else tag,
        timing_point=field["point"],
        reader=field["reader"] or None,
        antenna=antenna,
        is_gun=is_gun,
        line=number,
    )


def _time_of_day(
    value: str, options: ParseOptions, number: int, errors: ErrorCollector
) -> tuple[date | None, int | None]:
    day_part, _, clock = value.rpartition("T")
    try:
        ms_of_day = parse_clock_ms(clock)
    except ValueError as exc:
        errors.add(number, "time", str(exc))
        ms_of_day = None
    if day_part:
        try:
            return date.fromisoformat(day_part), ms_of_day
        except ValueError:
            errors.add(number, "time", f"'{day_part}' is not a date yyyy-mm-dd")
            return None, ms_of_day
    if options.day is None:
        errors.add(number, "time", "time of day without a date, and no competition day given")
        return None, ms_of_day
    return options.day, ms_of_day
