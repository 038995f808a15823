"""The passing every timing format is read into, and the helpers all parsers share.

Time representation: a :class:`Passing` carries ``timestamp``, a timezone-aware
:class:`~datetime.datetime` with millisecond precision (``microsecond`` is always a multiple
of 1000). Decoders report the local wall-clock time of their own clock without an offset;
parsers attach the competition's time zone (:attr:`ParseOptions.tz`). Every computation on
times goes through :attr:`Passing.epoch_ms`, an integer count of milliseconds since the Unix
epoch, so differences (finish − gun) are exact integers.

Every parser validates the whole payload before returning anything: problems are collected
per line by an :class:`ErrorCollector` and raised together as one
:class:`athsys.errors.ValidationError` whose ``details`` are
``{"format": ..., "errors": [{"line": n, "field": "...", "problem": "..."}, ...]}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from athsys.errors import ValidationError
from athsys.inputs import moment_problem

DEFAULT_MAX_LINES = 10_000
"""Line (or JSON item) limit of one payload; the byte size is checked by the caller."""
MAX_LINE_CHARS = 64 * 1024
"""Longest line of a line format (real lines are under 1 KiB; Python's csv stops at 128 KiB)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_MAX_ERRORS_IN_MESSAGE = 5
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# every byte but those of _CONTROL_CHARS, which UTF-8 writes as themselves and nowhere else
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if not _CONTROL_CHARS.match(chr(b)))
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$")


@dataclass(frozen=True)
class Passing:
    """One read reported by a timing device (a chip crossing a mat, or a gun marker).

    ``read_id`` is the device's own identity of the read, unique per device: storage is
    idempotent on (device, read_id), so a replayed payload stores nothing twice. ``reader``
    is the box/reader named inside the payload (RACE RESULT box, MYLAPS device, ChronoTrack
    reader MAC, IPICO reader id). ``seen`` is ``"FS"``/``"LS"`` for IPICO first-seen /
    last-seen reads. ``line`` is the 1-based line of the payload the read came from.
    """

    read_id: str
    timestamp: datetime
    chip: str | None = None
    bib: str | None = None
    timing_point: str | None = None
    reader: str | None = None
    antenna: int | None = None
    hits: int | None = None
    rssi: int | None = None
    is_gun: bool = False
    seen: str | None = None
    line: int = 0

    def __post_init__(self) -> None:
        if self.timestamp.tzinfo is None or self.timestamp.utcoffset() is None:
            raise ValueError("Passing.timestamp must be timezone-aware")
        if self.timestamp.microsecond % 1000:
            raise ValueError("Passing.timestamp must have millisecond precision")

    @property
    def epoch_ms(self) -> int:
        """Milliseconds since the Unix epoch: the integer all time arithmetic uses."""
        return to_epoch_ms(self.timestamp)


@dataclass(frozen=True)
class ParseOptions:
    """What a parser needs beyond the payload.

    ``tz``: time zone of the device clocks (the competition's). ``day``: date for formats
    that carry only a time of day (ChronoTrack "normal" time format, MYLAPS without ``d=``).
    ``valid_from``/``valid_until`` (aware datetimes): reads outside this window are rejected;
    the caller builds it, e.g. competition start − 1 day to competition end + 1 day.
    ``max_lines``: line limit (JSON: item limit) of one payload.
    """

    tz: tzinfo = UTC
    day: date | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    max_lines: int = DEFAULT_MAX_LINES


@dataclass(frozen=True)
class LineError:
    line: int | None
    field: str | None
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "problem": self.problem}


class ErrorCollector:
    """Collects every problem of a payload, then raises them as one ValidationError."""

    def __init__(self, format_label: str) -> None:
        self.format_label = format_label
        self.errors: list[LineError] = []

    def add(self, line: int | None, field: str | None, problem: str) -> None:
        self.errors.append(LineError(line, field, problem))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.error()

    def error(self) -> ValidationError:
        """The ValidationError listing every collected problem."""
        shown = "; ".join(_describe(e) for e in self.errors[:_MAX_ERRORS_IN_MESSAGE])
        more = len(self.errors) - _MAX_ERRORS_IN_MESSAGE
        suffix = f"; and {more} more" if more > 0 else ""
        return ValidationError(
            f"{self.format_label}: {len(self.errors)} problem(s): {shown}{suffix}",
            details={
                "format": self.format_label,
                "errors": [e.as_dict() for e in self.errors],
            },
        )


def _describe(error: LineError) -> str:
    where = f"line {error.line}" if error.line is not None else "payload"
    if error.field:
        where += f" field '{error.field}'"
    return f"{where}: {error.problem}"


def fail(format_label: str, line: int | None, field: str | None, problem: str) -> ValidationError:
    """A ValidationError for a payload that cannot be read at all (one error)."""
    errors = ErrorCollector(format_label)
    errors.add(line, field, problem)
    return errors.error()


def decode_body(body: str | bytes, format_label: str) -> str:
    """The payload as text: UTF-8 (BOM tolerated), not binary.

    Binary is a NUL or control bytes in more than one character in a hundred. A stray control
    byte in text is damage, not binary: real files carry them (a writer that kept only the low
    byte of ``ę`` wrote 0x19), so it becomes U+FFFD, which a name shows and a number or time
    field refuses naming its line."""
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = body[: exc.start].count(b"\n") + 1
            raise fail(
                format_label,
                line,
                None,
                f"body is not UTF-8 text (byte 0x{body[exc.start]:02x} at offset {exc.start}); "
                "binary files are not accepted",
            ) from None
        if not body.translate(None, _NOT_CONTROL_BYTES):  # the quick answer of the usual case
            return text
    else:
        text = body.removeprefix("\ufeff")
    controls = _CONTROL_CHARS.findall(text)
    if controls and "\x00" not in controls and len(controls) <= len(text) // 100:
        return _CONTROL_CHARS.sub("\ufffd", text)
    match = _CONTROL_CHARS.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise fail(
            format_label,
            line,
            None,
            f"binary content (control character 0x{ord(match.group()):02x}); "
            "binary files are not accepted",
        )
    return text


def numbered_lines(text: str, max_lines: int, format_label: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers, stripped of CR and surrounding blanks;
    a ValidationError for too many lines, a line too long or no line at all."""
    lines = text.splitlines()
    if len(lines) > max_lines:
        raise fail(
            format_label, None, None, f"{len(lines)} lines exceed the limit of {max_lines}"
        )
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise fail(format_label, number, None,
                       f"line too long ({len(line)} characters; the limit is {MAX_LINE_CHARS})")
    result = [(number, line.strip()) for number, line in enumerate(lines, start=1)]
    result = [(number, line) for number, line in result if line]
    if not result:
        raise fail(format_label, None, None, "payload is empty")
    return result


def to_epoch_ms(moment: datetime) -> int:
    """Integer milliseconds since the Unix epoch of an aware datetime."""
    return (moment - _EPOCH) // _ONE_MS


def parse_clock_ms(value: str) -> int:
    """``hh:mm:ss[.f|.ff|.fff]`` → milliseconds since midnight; ValueError otherwise."""
    match = _CLOCK.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a time of day hh:mm:ss.fff")
    hours, minutes, seconds = (int(match.group(i)) for i in (1, 2, 3))
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"'{value}' is not a valid time of day")
    fraction = (match.group(4) or "").ljust(3, "0")
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + int(fraction)


def local_moment(day: date, ms_of_day: int, tz: tzinfo) -> datetime:
    """The aware datetime of a device's local wall-clock reading."""
    naive = datetime(day.year, day.month, day.day) + timedelta(milliseconds=ms_of_day)
    return naive.replace(tzinfo=tz)


def check_window(
    moment: datetime, options: ParseOptions, errors: ErrorCollector, line: int, field: str
) -> None:
    """Reject a read outside the supported range of times or the competition window."""
    if problem := moment_problem(moment):
        errors.add(line, field, f"{moment.isoformat()}: {problem}")
        return
    if options.valid_from is not None and moment < options.valid_from:
        errors.add(
            line,
            field,
            f"{moment.isoformat()} is before the competition window "
            f"(from {options.valid_from.isoformat()})",
        )
    if options.valid_until is not None and moment > options.valid_until:
        errors.add(
            line,
            field,
            f"{moment.isoformat()} is after the competition window "
            f"(until {options.valid_until.isoformat()})",
        )


def check_duplicate_read_ids(passings: Iterable[Passing], errors: ErrorCollector) -> None:
    """The same read id twice in one payload is an error naming both lines."""
    first_line: dict[str, int] = {}
    for passing in passings:
        if passing.read_id in first_line:
            errors.add(
                passing.line,
                "read_id",
                f"duplicate read id '{passing.read_id}' (first on line "
                f"{first_line[passing.read_id]})",
            )
        else:
            first_line[passing.read_id] = passing.line


LineParser = Callable[[int, str, ParseOptions, ErrorCollector], Passing | None]


def parse_line_format(
    body: str | bytes, options: ParseOptions | None, format_label: str, parse_line: LineParser
) -> list[Passing]:
    """Every passing of a one-read-per-line payload, or one ValidationError for all bad lines.

    ``parse_line`` turns one numbered line into a passing, or records its problems and
    returns None; nothing is returned unless the whole payload is valid.
    """
    options = options or ParseOptions()
    text = decode_body(body, format_label)
    errors = ErrorCollector(format_label)
    passings: list[Passing] = []
    for number, line in numbered_lines(text, options.max_lines, format_label):
        passing = parse_line(number, line, options, errors)
        if passing is not None:
            passings.append(passing)
    check_duplicate_read_ids(passings, errors)
    errors.raise_if_any()
    return passings
