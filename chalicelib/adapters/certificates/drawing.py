"""Drawing on one PDF page with the certificate's font: the primitives the layout is drawn with.

A `Sheet` wraps one fpdf2 document for one render (never shared between renders or threads): text
fitted to a width, the form's small bold labels, wrapped paragraphs, boxes, check boxes, and a QR
code drawn as vector runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.certificates.fonts import bold_covers

if TYPE_CHECKING:
    from fpdf import FPDF

FAMILY = "Arimo"
GREY = (236, 236, 236)
BLACK = (0, 0, 0)
LINE_WIDTH = 0.5


class Sheet:
    """One page being drawn: the document and the layout's sizes."""

    def __init__(self, layout: Mapping[str, Any], pdf: FPDF) -> None:
        self.layout = layout
        self.sizes: Mapping[str, float] = layout["sizes"]
        self.heights: Mapping[str, float] = layout["heights"]
        self.texts: Mapping[str, str] = layout["texts"]
        self.margin = float(layout["page"]["margin"])
        self.width = float(layout["page"]["width"])
        self._pdf = pdf

    @property
    def pdf(self) -> FPDF:
        return self._pdf

    def _font(self, size: float, *, bold: bool = False, text: str = "") -> None:
        self.pdf.set_font(FAMILY, "B" if bold and bold_covers(text) else "", size)

    def _text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float | None = None,
        bold: bool = False,
        width: float | None = None,
        align: str = "L",
    ) -> None:
        """One line at (x, y = top of the line), shrunk to fit `width` when given."""
        size = size or self.sizes["value"]
        self._font(size, bold=bold, text=text)
        if width is not None:
            while size > 4.5 and self.pdf.get_string_width(text) > width:
                size -= 0.25
                self._font(size, bold=bold, text=text)
        self.pdf.set_xy(x, y)
        self.pdf.cell(width or 0, size * 1.15, text, align=align)

    def _label(
        self, x: float, y: float, text: str, width: float | None = None, *, align: str = "C"
    ) -> None:
        """The form's small bold labels; centred in `width` when given, else left."""
        for index, part in enumerate(text.split("\n")):
            self._text(
                x + 1.5,
                y + 1.2 + index * self.sizes["label"] * 1.1,
                part,
                size=self.sizes["label"],
                bold=True,
                width=(width - 3) if width else None,
                align=align if width else "L",
            )

    def _paragraph(
        self, x: float, y: float, width: float, text: str, size: float, *, bold: bool = False
    ) -> float:
        """Wrapped text from (x, y); returns the y below its last line."""
        step = size * 1.2
        lines = self._lines(width, text, size, bold=bold)
        for index, line in enumerate(lines):
            self.pdf.set_xy(x, y + index * step)
            self.pdf.cell(width, step, line)
        return y + len(lines) * step

    def _lines(self, width: float, text: str, size: float, *, bold: bool = False) -> list[str]:
        """Greedy word wrap by measured word widths (linear; fpdf2's own line breaker measures
        every candidate line again, which made it most of a render). A word wider than the line
        is cut where it must be."""
        self._font(size, bold=bold, text=text)
        measure = self.pdf.get_string_width
        space = measure(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, line_width = "", 0.0
            for word in paragraph.split(" "):
                word_width = measure(word)
                while word_width > width and len(word) > 1:
                    if line:
                        lines.append(line)
                        line, line_width = "", 0.0
                    cut = len(word) - 1
                    while cut > 1 and measure(word[:cut]) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    word_width = measure(word)
                if not line:
                    line, line_width = word, word_width
                elif line_width + space + word_width <= width:
                    line, line_width = f"{line} {word}", line_width + space + word_width
                else:
                    lines.append(line)
                    line, line_width = word, word_width
            lines.append(line)
        return lines

    def _box(self, x: float, y: float, w: float, h: float, *, fill: bool = False) -> None:
        if fill:
            self.pdf.set_fill_color(*GREY)
        self.pdf.rect(x, y, w, h, style="DF" if fill else "D")

    def _check(self, x: float, y: float, checked: bool, size: float = 6.0) -> None:
        self.pdf.set_line_width(0.4)
        self.pdf.rect(x, y, size, size)
        if checked:
            self.pdf.line(x + 1, y + 1, x + size - 1, y + size - 1)
            self.pdf.line(x + 1, y + size - 1, x + size - 1, y + 1)
        self.pdf.set_line_width(LINE_WIDTH)

    def _qr(self, data: str, x: float, y: float, side: float) -> None:
        """The QR code as filled runs of dark modules (vector: crisp at any zoom, a few KB)."""
        import segno

        code = segno.make(data, error="m", micro=False)
        matrix = code.matrix
        module = side / len(matrix)
        self.pdf.set_fill_color(*BLACK)
        for row_index, row in enumerate(matrix):
            run_start: int | None = None
            for column, dark in enumerate([*row, 0]):
                if dark and run_start is None:
                    run_start = column
                elif not dark and run_start is not None:
                    self.pdf.rect(
                        x + run_start * module,
                        y + row_index * module,
                        (column - run_start) * module,
                        module,
                        style="F",
                    )
                    run_start = None
