"""Timing hardware formats: detection and one entry point for every passing format.

``detect_format`` names the format of a payload from its first non-blank line;
``parse_passings`` reads a passing payload (JSON batch, RACE RESULT, MYLAPS, ChronoTrack,
IPICO) into :class:`~athsys.timing.passing.Passing` objects. FinishLynx ``.lif`` files are
results, not passings: read them with :func:`athsys.timing.formats.lif.parse_lif`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from athsys.timing.formats.chronotrack import (
    TAG_READ,
    TAG_READ_V33,
    is_control_line,
    parse_chronotrack,
)
from athsys.timing.formats.ipico import parse_ipico
from athsys.timing.formats.json_batch import parse_json_batch
from athsys.timing.formats.mylaps import parse_mylaps
from athsys.timing.formats.raceresult import PUSH_PREFIX, parse_raceresult
from athsys.timing.passing import ParseOptions, Passing, decode_body, fail

JSON = "json"
RACERESULT = "raceresult"
MYLAPS = "mylaps"
CHRONOTRACK = "chronotrack"
IPICO = "ipico"
LIF = "lif"
FORMATS = (JSON, RACERESULT, MYLAPS, CHRONOTRACK, IPICO, LIF)

PassingParser = Callable[[str | bytes, ParseOptions | None], list[Passing]]
PASSING_PARSERS: dict[str, PassingParser] = {
    JSON: parse_json_batch,
    RACERESULT: parse_raceresult,
    MYLAPS: parse_mylaps,
    CHRONOTRACK: parse_chronotrack,
    IPICO: parse_ipico,
}

_IPICO = re.compile(r"^aa[0-9a-fA-F]{34}(?:[0-9a-fA-F]{6})?(?:[FfLl][Ss])?$")
_RACERESULT = re.compile(r"^\d+;[^;]*;\d{4}-\d{2}-\d{2};")
_LIF_HEADER = re.compile(r"^\d+,\d+,\d+,")
_MYLAPS = re.compile(r"^[^@]*@(Passing|Marker)@")


def detect_format(body: str | bytes) -> str:
    """One of :data:`FORMATS`, from the first non-blank line; ValidationError if none fits."""
    text = decode_body(body, "timing payload")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.startswith(("[", "{")):
        return JSON
    if first.startswith((TAG_READ, TAG_READ_V33)):
        return CHRONOTRACK
    if _IPICO.match(first):
        return IPICO
    if _MYLAPS.match(first):
        return MYLAPS
    if is_control_line(first):  # a CTP01 session captured from its greeting
        return CHRONOTRACK
    if first.startswith(PUSH_PREFIX + ";") or _RACERESULT.match(first):
        return RACERESULT
    if _LIF_HEADER.match(first):
        return LIF
    raise fail(
        "timing payload",
        1 + text[: text.find(first)].count("\n") if first else None,
        None,
        "unrecognised format: expected a JSON batch, RACE RESULT, MYLAPS, ChronoTrack, "
        "IPICO or FinishLynx .lif data",
    )


def parse_passings(
    body: str | bytes, fmt: str | None = None, options: ParseOptions | None = None
) -> list[Passing]:
    """Every passing of the payload (format detected when ``fmt`` is None), or one error."""
    fmt = fmt or detect_format(body)
    parser = PASSING_PARSERS.get(fmt)
    if parser is None:
        problem = (
            "a .lif file holds results, not passings: use parse_lif"
            if fmt == LIF
            else f"unknown passing format '{fmt}' (one of {', '.join(PASSING_PARSERS)})"
        )
        raise fail("timing payload", None, "format", problem)
    return parser(body, options)
