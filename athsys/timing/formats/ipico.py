"""IPICO reader records: 36 hexadecimal characters per read, optionally ``FS``/``LS``.

Layout (0-based character offsets)::

    0-1 "aa" | 2-3 reader | 4-15 tag | 16-19 (reader data) | 20-25 YYMMDD | 26-31 hhmmss
    | 32-33 centiseconds (hex, 00-63) | 34-35 checksum (hex)

The checksum is the sum of the ASCII codes of characters 2-33 (the 32 after ``aa``) modulo
256. A trailing ``FS`` or ``LS`` marks a first-seen / last-seen read of a reader in FS/LS
mode (kept in :attr:`Passing.seen`). The record identifies the read, so it is the read id.
"""

from __future__ import annotations

import re
from datetime import date

from athsys.timing.passing import (
    ErrorCollector,
    ParseOptions,
    Passing,
    check_window,
    local_moment,
    parse_line_format,
)

FORMAT_LABEL = "IPICO"
PREFIX = "aa"
RECORD_LENGTH = 36
SEEN_SUFFIXES = ("FS", "LS")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def ipico_checksum(record: str) -> str:
    """The two hex digits a record must end with: sum of chars 2-33 (ASCII) mod 256."""
    return f"{sum(record[2:34].encode('ascii')) % 256:02x}"


def parse_ipico(body: str | bytes, options: ParseOptions | None = None) -> list[Passing]:
    """All reads of an IPICO payload, or one ValidationError listing every bad line."""
    return parse_line_format(body, options, FORMAT_LABEL, _parse_record)


def _parse_record(
    number: int, line: str, options: ParseOptions, errors: ErrorCollector
) -> Passing | None:
    record, suffix = line[:RECORD_LENGTH], line[RECORD_LENGTH:]
    if len(record) != RECORD_LENGTH or (suffix and suffix not in SEEN_SUFFIXES):
        errors.add(
            number,
            None,
            f"expected {RECORD_LENGTH} hex characters, optionally followed by FS or LS; "
            f"got {len(line)} characters",
        )
        return None
    if not record.startswith(PREFIX):
        errors.add(number, "prefix", f"record starts with '{record[:2]}', not '{PREFIX}'")
        return None
    if not _HEX.match(record):
        errors.add(number, None, "record holds characters that are not hexadecimal")
        return None
    expected = ipico_checksum(record)
    if record[34:36].lower() != expected:
        errors.add(
            number, "checksum", f"checksum '{record[34:36]}' does not match (expected {expected})"
        )
        return None
    day = _date(record[20:26], number, errors)
    ms_of_day = _clock_ms(record[26:32], record[32:34], number, errors)
    if day is None or ms_of_day is None:
        return None
    timestamp = local_moment(day, ms_of_day, options.tz)
    check_window(timestamp, options, errors, number, "date")
    return Passing(
        read_id=line,
        timestamp=timestamp,
        chip=record[4:16],
        reader=record[2:4],
        seen=suffix or None,
        line=number,
    )


def _date(value: str, number: int, errors: ErrorCollector) -> date | None:
    try:
        return date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        errors.add(number, "date", f"'{value}' is not a date YYMMDD")
        return None


def _clock_ms(value: str, centis_hex: str, number: int, errors: ErrorCollector) -> int | None:
    if not value.isdigit():
        errors.add(number, "time", f"'{value}' is not a time hhmmss")
        return None
    hours, minutes, seconds = int(value[:2]), int(value[2:4]), int(value[4:6])
    if hours > 23 or minutes > 59 or seconds > 59:
        errors.add(number, "time", f"'{value}' is not a valid time of day")
        return None
    centis = int(centis_hex, 16)
    if centis > 99:
        errors.add(number, "centiseconds", f"'{centis_hex}' is more than 99 centiseconds")
        return None
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + centis * 10
