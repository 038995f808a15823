"""IPICO reader records: 36 hexadecimal characters per read, or 42 with the tag-status
extension, optionally followed by ``FS``/``LS`` (either case).

Layout (0-based character offsets)::

    0-1 "aa" | 2-3 reader | 4-15 tag | 16-19 I/Q counters | 20-25 YYMMDD | 26-31 hhmmss
    | 32-33 centiseconds (hex, 00-63) | [34-35 TTO index | 36-37 TTO page | 38-39 tag status]
    | last two: checksum (hex)

The checksum is the sum of the ASCII codes of every character between ``aa`` and the
checksum (32 characters, or 38 with the extension) modulo 256. The tag-status extension is
what a reader sends with the TTO bit of its tag-message format set (IPICO reader serial
protocol 2007, §7.15; observed on the wire in the public captures of iwismer/rusty-timer,
``docs/ipico-protocol/ipico-control-protocol.md``): its status byte carries first seen in
bit 7, last seen in bit 6 and tamper in bit 0 (``ff``: tamper only). A trailing ``FS`` or
``LS`` marks a first-seen / last-seen read of a reader in FS/LS mode; both forms end up in
:attr:`Passing.seen` (``"FS"``/``"LS"``; first seen wins when both status bits are set). A
suffix that contradicts the status byte is refused. The record identifies the read, so it
is the read id (with the suffix in upper case).
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
EXTENDED_RECORD_LENGTH = 42
RECORD_LENGTHS = (RECORD_LENGTH, EXTENDED_RECORD_LENGTH)
SUFFIX_LENGTH = 2
FIRST_SEEN = "FS"
LAST_SEEN = "LS"
SEEN_SUFFIXES = (FIRST_SEEN, LAST_SEEN)
MAX_CENTISECONDS = 99
_FIRST_SEEN_BIT = 0x80
_LAST_SEEN_BIT = 0x40
_TAMPER_ONLY = 0xFF
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_LENGTHS_TEXT = (
    f"{RECORD_LENGTH} hexadecimal characters, or {EXTENDED_RECORD_LENGTH} with the tag-status "
    f"extension, optionally followed by FS or LS (so {RECORD_LENGTH}, "
    f"{RECORD_LENGTH + SUFFIX_LENGTH}, {EXTENDED_RECORD_LENGTH} or "
    f"{EXTENDED_RECORD_LENGTH + SUFFIX_LENGTH} characters)"
)


def ipico_checksum(record: str) -> str:
    """The two hex digits a record must end with: the sum of the ASCII codes of the
    characters between ``aa`` and the checksum, mod 256 (``record`` may hold the checksum
    or not: a 36- or 42-character record has it, a 34- or 40-character one has not)."""
    end = len(record) - 2 if len(record) in RECORD_LENGTHS else len(record)
    return f"{sum(record[2:end].encode('ascii')) % 256:02x}"


def seen_from_status(status: int) -> str | None:
    """``FS``/``LS`` from the tag-status byte of an extended record (None: neither)."""
    if status == _TAMPER_ONLY:
        return None
    if status & _FIRST_SEEN_BIT:
        return FIRST_SEEN
    if status & _LAST_SEEN_BIT:
        return LAST_SEEN
    return None


def parse_ipico(body: str | bytes, options: ParseOptions | None = None) -> list[Passing]:
    """All reads of an IPICO payload, or one ValidationError listing every bad line."""
    return parse_line_format(body, options, FORMAT_LABEL, _parse_record)


def _split_suffix(line: str) -> tuple[str, str]:
    """(record, suffix in upper case): the suffix is the last two characters when they are
    FS or LS in any case (neither is a hex digit, so no record ends that way)."""
    tail = line[-SUFFIX_LENGTH:].upper()
    if len(line) > SUFFIX_LENGTH and tail in SEEN_SUFFIXES:
        return line[:-SUFFIX_LENGTH], tail
    return line, ""


def _parse_record(
    number: int, line: str, options: ParseOptions, errors: ErrorCollector
) -> Passing | None:
    record, suffix = _split_suffix(line)
    if len(record) not in RECORD_LENGTHS:
        tail = line[-SUFFIX_LENGTH:]
        if len(line) - SUFFIX_LENGTH in RECORD_LENGTHS and not _HEX.match(tail):
            errors.add(number, "suffix", f"'{tail}' after the record is not FS or LS")
        else:
            errors.add(number, "length", f"{len(line)} characters; expected {_LENGTHS_TEXT}")
        return None
    if not record.startswith(PREFIX):
        errors.add(number, "prefix", f"record starts with '{record[:2]}', not '{PREFIX}'")
        return None
    if not _HEX.match(record):
        errors.add(number, None, "record holds characters that are not hexadecimal")
        return None
    expected, found = ipico_checksum(record), record[-2:]
    if found.lower() != expected:
        errors.add(
            number, "checksum",
            f"checksum '{found}' does not match the characters before it (expected {expected})",
        )
        return None
    seen = _seen(record, suffix, number, errors)
    day = _date(record[20:26], number, errors)
    ms_of_day = _clock_ms(record[26:32], record[32:34], number, errors)
    if day is None or ms_of_day is None or seen is False:
        return None
    timestamp = local_moment(day, ms_of_day, options.tz)
    check_window(timestamp, options, errors, number, "date")
    return Passing(
        read_id=record + suffix,
        timestamp=timestamp,
        chip=record[4:16],
        reader=record[2:4],
        seen=seen,
        line=number,
    )


def _seen(record: str, suffix: str, number: int, errors: ErrorCollector) -> str | None | bool:
    """FS/LS from the suffix and the tag-status byte; False when the two disagree."""
    if len(record) != EXTENDED_RECORD_LENGTH:
        return suffix or None
    from_status = seen_from_status(int(record[38:40], 16))
    if suffix and from_status and suffix != from_status:
        errors.add(
            number, "suffix",
            f"'{suffix}' contradicts the tag-status byte '{record[38:40]}' ({from_status})",
        )
        return False
    return suffix or from_status


def _date(value: str, number: int, errors: ErrorCollector) -> date | None:
    try:
        if not value.isdigit():
            raise ValueError(value)
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
    if centis > MAX_CENTISECONDS:
        errors.add(
            number, "centiseconds",
            f"centisecond digits '{centis_hex}' (hex) are {centis}, out of range "
            f"00-{MAX_CENTISECONDS:x} (0-{MAX_CENTISECONDS})",
        )
        return None
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + centis * 10
