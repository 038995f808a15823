"""Array literals read back by PostgreSQL exactly as written (chips come from devices)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from athsys.db import driver_rows, int_array, text_array

pytestmark = pytest.mark.integration

AWKWARD = ["C101", 'quote"d', "back\\slash", "comma,chip", "{braces}", " padded ", "NULL",
           "", "tab\there", "new\nline", "ünïcødé", "'single'", None]


def test_text_array_round_trip(db_session: Session) -> None:
    [(back,)] = driver_rows(db_session, "SELECT %(a)s::text[]", {"a": text_array(AWKWARD)})
    assert back == AWKWARD


def test_int_array_round_trip(db_session: Session) -> None:
    values = [1, None, -2_147_483_648, 2_147_483_647, 0]
    [(back,)] = driver_rows(db_session, "SELECT %(a)s::int[]", {"a": int_array(values)})
    assert back == values


def test_empty_arrays_match_nothing(db_session: Session) -> None:
    rows = driver_rows(db_session, "SELECT 1 WHERE 'x' = ANY(%(a)s::text[])",
                       {"a": text_array([])})
    assert rows == []
