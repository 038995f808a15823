"""A competition's clock: its time zone, and moments shown and read as people at the venue
see them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from athsys.errors import ValidationError

#: How a moment is written by an official: the venue's date and wall-clock time.
LOCAL_FORMAT = "%Y-%m-%d %H:%M"


def zone_of(time_zone: str | None) -> ZoneInfo:
    """The zone a competition names (UTC when it names none we know: the schema refuses
    unknown zones, so only rows written before it get here)."""
    try:
        return ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(moment: datetime | None, time_zone: str | None) -> str:
    """``HH:MM`` at the venue, or "" for no moment."""
    return "" if moment is None else moment.astimezone(zone_of(time_zone)).strftime("%H:%M")


def local_moment(moment: datetime | None, time_zone: str | None) -> str:
    """``YYYY-MM-DD HH:MM`` at the venue, or "" for no moment."""
    if moment is None:
        return ""
    return moment.astimezone(zone_of(time_zone)).strftime(LOCAL_FORMAT)


def local_clock(moment: datetime | None, time_zone: str | None, *, day: bool = False) -> str:
    """A timed moment (a gun) at the venue to the hundredth, ``HH:MM:SS.hh`` (with the date
    before it when ``day``), or "" for no moment."""
    if moment is None:
        return ""
    layout = "%Y-%m-%d %H:%M:%S.%f" if day else "%H:%M:%S.%f"
    return moment.astimezone(zone_of(time_zone)).strftime(layout)[:-4]


def parse_local_moment(text: str, time_zone: str | None, *, field: str) -> datetime:
    """``2026-06-14 18:05`` (seconds allowed; ``2026-06-14T18:05`` as a browser's date-time
    input sends it) at the venue, as an aware datetime. A time that the clocks skip or repeat
    at a daylight-saving change is taken as the first of the two."""
    written = text.strip().replace("T", " ", 1)
    for layout in (LOCAL_FORMAT, LOCAL_FORMAT + ":%S"):
        try:
            return datetime.strptime(written, layout).replace(tzinfo=zone_of(time_zone))
        except ValueError:
            continue
    raise ValidationError(
        f"{field}: write the date and time as YYYY-MM-DD HH:MM at the venue, not {text!r}",
        details={"field": field, "value": text},
    )
