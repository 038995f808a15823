"""The sex of an athlete and of the events they may enter."""

from __future__ import annotations

import enum


class Sex(enum.Enum):
    MALE = "M"
    FEMALE = "F"
