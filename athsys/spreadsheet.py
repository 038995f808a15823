"""Cells a spreadsheet will not evaluate: the one guard against CSV (formula) injection.

A registrant can name themself ``=HYPERLINK("http://…")`` or a club ``@SUM(1+1)*cmd|' /C calc'!A0``;
a results file opened in Excel or LibreOffice would run it. Following OWASP's rule, a text
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or a line feed, or the
full-width forms of those signs, which some spreadsheets also accept) is prefixed with a single
quote, which spreadsheets show as text and do not evaluate.

Numbers stay numbers: an ``int`` or ``float`` is written as it is, and so is a text cell that
is only a signed number in the sport's notation (a wind ``-1.2``, a gap ``+0:01.23``): made of
a sign, digits, ``.``, ``,`` and ``:``, it names no function and no cell, so evaluating it yields
the number itself.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any, Final

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS: Final = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_SIGNED_NUMBER = re.compile(r"[+-]\d[\d.,:]*")
_QUOTE = "'"


def spreadsheet_safe(value: object) -> object:
    """``value`` as a CSV cell that no spreadsheet evaluates (text prefixed with ``'``)."""
    if not isinstance(value, str) or not value or value[0] not in FORMULA_TRIGGERS:
        return value
    if _SIGNED_NUMBER.fullmatch(value):
        return value
    return _QUOTE + value


class SafeWriter:
    """A :func:`csv.writer` whose every cell goes through :func:`spreadsheet_safe`."""

    def __init__(self, stream: IO[str], **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])
