"""A competition's team score scheme: what the meet director stores and how it is checked.

The scheme is kept as JSON on the competition (``competition.team_scheme``) and validated whole
before anything is written (:func:`parse_team_scheme`), so a scheme that cannot be applied
never reaches the database.

- ``points``: points per place (presets ``dual`` 5-3-1, ``league`` 8-7-6-5-4-3-2-1,
  ``championship`` 10-8-6-5-4-3-2-1, or the director's own list, descending, non-negative);
  ``scorers`` caps how many members of a team score in one event (``None``: all).
- ``cross-country``: low-point scoring, ``scorers`` count and ``displacers`` run behind them.
- ``relays``: whether relay events (the discipline is a relay, e.g. ``4x100m``) count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from athsys.errors import ValidationError

Scoring = Literal["points", "cross-country"]

PRESETS: Final[Mapping[str, tuple[int, ...]]] = {
    "dual": (5, 3, 1),
    "league": (8, 7, 6, 5, 4, 3, 2, 1),
    "championship": (10, 8, 6, 5, 4, 3, 2, 1),
}
CROSS_COUNTRY: Final = "cross-country"
MAX_PLACES: Final = 100
MAX_TEAM_SIZE: Final = 50
_KNOWN_KEYS: Final = frozenset({"preset", "scoring", "points", "scorers", "displacers", "relays"})
_RELAY: Final = re.compile(r"^\d+x\d+", re.IGNORECASE)


@dataclass(frozen=True)
class TeamScheme:
    scoring: Scoring
    points: tuple[int, ...] = ()  # ``points`` scoring only
    scorers: int | None = None  # points: the cap per team per event; cross-country: N
    displacers: int = 0  # cross-country only
    relays: bool = True

    def as_json(self) -> dict[str, Any]:
        if self.scoring == CROSS_COUNTRY:
            return {"scoring": CROSS_COUNTRY, "scorers": self.scorers,
                    "displacers": self.displacers, "relays": self.relays}
        return {"scoring": "points", "points": list(self.points), "scorers": self.scorers,
                "relays": self.relays}


def is_relay(discipline_code: str) -> bool:
    """A relay discipline (``4x100m``, ``4x400mix``): its code starts with legs x leg."""
    return bool(_RELAY.match(discipline_code.strip()))


def _whole(data: Mapping[str, Any], key: str, *, least: int, most: int) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise ValidationError(
            f"team scheme: {key} must be a whole number from {least} to {most}, got {value!r}",
            details={f"team_scheme.{key}": f"a whole number from {least} to {most}"})
    return value


def parse_team_scheme(data: object) -> TeamScheme:
    """The scheme of ``data`` (``{"preset": "league"}``, ``{"scoring": "points", "points":
    [6, 4, 2], "scorers": 2}``, ``{"preset": "cross-country", "scorers": 5, "displacers": 2}``),
    or a :class:`ValidationError` naming the field that cannot be applied."""
    if not isinstance(data, Mapping):
        raise ValidationError("team scheme must be an object",
                              details={"team_scheme": "e.g. {\"preset\": \"league\"}"})
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ValidationError(f"team scheme: unknown field(s) {', '.join(unknown)}",
                              details={f"team_scheme.{k}": "unknown field" for k in unknown})
    relays = data.get("relays", True)
    if not isinstance(relays, bool):
        raise ValidationError(f"team scheme: relays must be true or false, got {relays!r}",
                              details={"team_scheme.relays": "true or false"})
    preset = data.get("preset")
    if preset is not None and preset not in (*PRESETS, CROSS_COUNTRY):
        raise ValidationError(
            f"team scheme: unknown preset {preset!r}",
            details={"team_scheme.preset": ", ".join((*PRESETS, CROSS_COUNTRY))})
    scoring = data.get("scoring") or (CROSS_COUNTRY if preset == CROSS_COUNTRY else "points")
    if scoring not in ("points", CROSS_COUNTRY) or (
            preset is not None and (preset == CROSS_COUNTRY) != (scoring == CROSS_COUNTRY)):
        raise ValidationError(
            f"team scheme: scoring must be 'points' or 'cross-country' and agree with the "
            f"preset, got scoring={scoring!r}, preset={preset!r}",
            details={"team_scheme.scoring": "points or cross-country"})
    scorers = _whole(data, "scorers", least=1, most=MAX_TEAM_SIZE)
    if scoring == CROSS_COUNTRY:
        if "points" in data:
            raise ValidationError("team scheme: cross-country scoring takes no points list",
                                  details={"team_scheme.points": "only for points scoring"})
        displacers = _whole(data, "displacers", least=0, most=MAX_TEAM_SIZE)
        return TeamScheme(CROSS_COUNTRY, (), scorers or 4,
                          2 if displacers is None else displacers, relays)
    if "displacers" in data:
        raise ValidationError("team scheme: displacers apply to cross-country scoring only",
                              details={"team_scheme.displacers": "only for cross-country"})
    points = data.get("points")
    if points is None:
        points = list(PRESETS[preset or "league"])
    elif preset is not None:
        raise ValidationError("team scheme: give a preset or a points list, not both",
                              details={"team_scheme.points": "or a preset"})
    if (not isinstance(points, list) or not 1 <= len(points) <= MAX_PLACES
            or any(isinstance(p, bool) or not isinstance(p, int) or p < 0 for p in points)):
        raise ValidationError(
            f"team scheme: points must be a list of 1 to {MAX_PLACES} whole numbers of 0 or "
            f"more, got {points!r}",
            details={"team_scheme.points": "e.g. [10, 8, 6, 5, 4, 3, 2, 1]"})
    if any(a < b for a, b in zip(points, points[1:], strict=False)):
        raise ValidationError(
            f"team scheme: points must not rise from one place to the next, got {points!r}",
            details={"team_scheme.points": "descending, e.g. [5, 3, 1]"})
    return TeamScheme("points", tuple(points), scorers, 0, relays)


# -- the notation of the admin form ------------------------------------------------------
NOTATION_HELP: Final = ("a preset (dual, league, championship, cross-country) or "
                        "points 6,4,2; then, separated by ';': scorers 3, displacers 2, "
                        "no relays. E.g. 'league; scorers 3' or "
                        "'cross-country; scorers 5; displacers 2'")


def parse_scheme_text(text: str) -> TeamScheme:
    """A scheme written as the admin form takes it (:data:`NOTATION_HELP`)."""
    parts = [part.strip().lower() for part in text.split(";") if part.strip()]
    if not parts:
        raise ValidationError("team scheme: write a preset or points",
                              details={"team_scheme": NOTATION_HELP})
    data: dict[str, Any] = {}
    first, *options = parts
    if first.startswith("points"):
        values = first.removeprefix("points").replace("-", ",").split(",")
        if not all(v.strip().isdigit() for v in values):
            raise ValidationError(f"team scheme: points must be whole numbers like 6,4,2, got "
                                  f"{first!r}", details={"team_scheme.points": NOTATION_HELP})
        data["points"] = [int(v) for v in values]
    else:
        data["preset"] = first
    for option in options:
        name, _, value = option.partition(" ")
        if option == "no relays":
            data["relays"] = False
        elif name in ("scorers", "displacers") and value.strip().isdigit():
            data[name] = int(value)
        else:
            raise ValidationError(f"team scheme: cannot read {option!r}",
                                  details={"team_scheme": NOTATION_HELP})
    return parse_team_scheme(data)


def scheme_text(scheme: TeamScheme) -> str:
    """The notation of ``scheme`` (what :func:`parse_scheme_text` reads back)."""
    if scheme.scoring == CROSS_COUNTRY:
        parts = [CROSS_COUNTRY, f"scorers {scheme.scorers}", f"displacers {scheme.displacers}"]
    else:
        named = [name for name, points in PRESETS.items() if points == scheme.points]
        parts = [named[0] if named else "points " + ",".join(map(str, scheme.points))]
        if scheme.scorers:
            parts.append(f"scorers {scheme.scorers}")
    if not scheme.relays:
        parts.append("no relays")
    return "; ".join(parts)
