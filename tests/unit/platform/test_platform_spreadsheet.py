"""The CSV injection guard: what a spreadsheet would evaluate is neutralised, numbers stay."""

from __future__ import annotations

import csv
import io

import pytest

from athsys.spreadsheet import FORMULA_TRIGGERS, SafeWriter, spreadsheet_safe

pytestmark = pytest.mark.unit

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
           "\t=1", "\r=1", "\n=1", "\uff1d1+1", "-", "+", "-1.2abc", "=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_is_quoted(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["-1.2", "+1.2", "+0:01.23", "-0,4", "10.05", "2:09:45", "Bolt",
                                  "O'Neil", "", " =1 (a space first)"])
def test_plain_text_and_signed_numbers_are_kept(text: str) -> None:
    assert spreadsheet_safe(text) == text


@pytest.mark.parametrize("value", [-12, -1.5, 0, None, True])
def test_non_text_values_are_kept(value: object) -> None:
    assert spreadsheet_safe(value) is value


def test_the_writer_neutralises_every_cell() -> None:
    buffer = io.StringIO()
    SafeWriter(buffer).writerow([*HOSTILE, -12, "-1.2"])
    (row,) = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert all(cell[0] not in FORMULA_TRIGGERS for cell in row[:-2])
    assert row[-2:] == ["-12", "-1.2"]
