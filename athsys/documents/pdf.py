"""The documents a meet prints, as real PDFs: A4, the meet's header on every page (name,
venue, dates, the document's title), "page n of m" and the time printed in the footer, and
tables whose header row repeats on each page.

A document is a list of :class:`Section` (a heading, an optional line under it and a table
of text cells); :mod:`athsys.documents.meet` builds them from the same data the web pages
show, so the paper and the screen say the same thing. Names print as written: the fonts
(DejaVu Sans Condensed, shipped with the package) cover the Latin, Greek and Cyrillic
alphabets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT, BOLD = "AthsysSans", "AthsysSans-Bold"
_MARGIN = 15 * mm
_KEEP_TOGETHER_ROWS = 12  # shorter tables are never split from their heading


@dataclass(frozen=True)
class MeetHeader:
    """What every page of a meet's document says at its top."""

    competition: str
    venue: str
    dates: str  # "2026-06-14" or "2026-06-14 to 2026-06-15"
    printed: str  # "2026-06-14 18:05" on the venue's clock


@dataclass(frozen=True)
class Section:
    heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""  # a line under the heading: status, wind, round...
    widths: tuple[float, ...] = field(default=())  # relative; equal when empty
    empty: str = "Nothing yet."


@cache
def _fonts() -> None:
    folder = files("athsys.documents") / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSansCondensed.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSansCondensed-Bold.ttf")))


def render(header: MeetHeader, title: str, sections: Sequence[Section]) -> bytes:
    """The document as PDF bytes."""
    _fonts()
    out = BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, title=f"{title} · {header.competition}", author="AthSys",
        leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=_MARGIN + 16 * mm,
        bottomMargin=_MARGIN + 6 * mm)
    heading = ParagraphStyle("heading", fontName=BOLD, fontSize=12, leading=15, spaceAfter=2)
    note = ParagraphStyle("note", fontName=FONT, fontSize=8.5, leading=11, spaceAfter=4,
                          textColor=colors.HexColor("#333333"))
    story: list[Any] = []
    for section in sections:
        head: list[Any] = [Paragraph(_escape(section.heading), heading)]
        if section.note:
            head.append(Paragraph(_escape(section.note), note))
        body = (_table(section, document.width) if section.rows
                else Paragraph(_escape(section.empty), note))
        if len(section.rows) < _KEEP_TOGETHER_ROWS:
            story.append(KeepTogether([*head, body]))
        else:  # a long table breaks across pages, its header row repeated on each
            story.extend([*head, body])
        story.append(Spacer(1, 6 * mm))

    def decorate(canvas: Canvas, _: Any) -> None:
        _page_header(canvas, header, title)

    document.build(story, onFirstPage=decorate, onLaterPages=decorate,
                   canvasmaker=_numbered(header.printed))
    return out.getvalue()


def _table(section: Section, width: float) -> Table:
    weights = section.widths or tuple(1.0 for _ in section.columns)
    total = sum(weights)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=10)
    head = ParagraphStyle("head", fontName=BOLD, fontSize=8.5, leading=10,
                          textColor=colors.white)
    data = [[Paragraph(_escape(c), head) for c in section.columns]]
    data += [[Paragraph(_escape(value), cell) for value in row] for row in section.rows]
    table = Table(data, colWidths=[width * w / total for w in weights], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#222222")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f0f0f0")]),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    return table


def _page_header(canvas: Canvas, header: MeetHeader, title: str) -> None:
    width, height = A4
    canvas.saveState()
    canvas.setFont(BOLD, 13)
    canvas.drawString(_MARGIN, height - _MARGIN - 4 * mm, header.competition)
    canvas.setFont(FONT, 9)
    canvas.drawString(_MARGIN, height - _MARGIN - 9 * mm, f"{header.venue} · {header.dates}")
    canvas.setFont(BOLD, 11)
    canvas.drawRightString(width - _MARGIN, height - _MARGIN - 4 * mm, title)
    canvas.setStrokeColor(colors.black)
    canvas.line(_MARGIN, height - _MARGIN - 12 * mm, width - _MARGIN,
                height - _MARGIN - 12 * mm)
    canvas.restoreState()


def _numbered(printed: str) -> type[Canvas]:
    """A canvas that writes "page n of m" once it knows m (the pages are kept until then)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for page in self._pages:
                self.__dict__.update(page)
                self.setFont(FONT, 8)
                self.drawString(_MARGIN, _MARGIN, f"Printed {printed} · AthSys")
                self.drawRightString(A4[0] - _MARGIN, _MARGIN,
                                     f"page {self._pageNumber} of {len(self._pages)}")
                super().showPage()
            super().save()

    return NumberedCanvas


def _escape(text: str) -> str:
    """Paragraph text is markup: names with & or < print as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
