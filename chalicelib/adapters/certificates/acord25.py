"""The PDF renderer: one US Letter page in the ACORD 25 layout, drawn from a data template.

`chalicelib/data/certificates/acord25-layout.json` holds the geometry (section heights, table
columns), the form's labels and its standing wording; this module draws a `CertificateContent`
into it. fpdf2 is imported on the first render, so a cold start that issues no certificate does
not pay for it. The output is deterministic for a given content and URL (the creation date is
the revision's date), so a retried render stores the same bytes under the same hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any

from chalicelib.adapters.certificates.coverage_table import CoverageTable
from chalicelib.adapters.certificates.drawing import BLACK, FAMILY, LINE_WIDTH
from chalicelib.adapters.certificates.fonts import bold_font, regular_font
from chalicelib.domain.certificates import CertificateContent

CONTINUED = "(continued: the full description is in the certificate record at the verify address)"
VARIATION_TABLES = ("fvar", "gvar", "HVAR", "MVAR", "STAT", "avar", "cvar")


def _drop_variations(font: Any) -> None:
    """The variable font's default instance is the regular face: its outlines are the `glyf`
    table, so the variation tables only add weight to the embedded subset."""
    ttfont = getattr(font, "ttfont", None)
    if ttfont is None:
        return
    for tag in VARIATION_TABLES:
        if tag in ttfont:
            del ttfont[tag]


class Acord25Renderer:
    """`render(content, verify_url) -> PDF bytes`; holds only the layout (safe to share)."""

    def __init__(self, layout: Mapping[str, Any]) -> None:
        self.layout = layout

    def render(self, content: CertificateContent, verify_url: str) -> bytes:
        from fpdf import FPDF

        margin = float(self.layout["page"]["margin"])
        pdf = FPDF(unit="pt", format=self.layout["page"]["format"])
        pdf.set_compression(True)
        pdf.set_auto_page_break(False)
        pdf.set_margins(margin, margin, margin)
        pdf.add_font(FAMILY, "", str(regular_font()))
        pdf.add_font(FAMILY, "B", str(bold_font()))
        for font in pdf.fonts.values():
            _drop_variations(font)
        pdf.set_creation_date(datetime.combine(content.issued_on, time(0), UTC))
        pdf.set_title(f"Certificate of liability insurance {content.number} rev {content.revision}")
        pdf.set_author(content.producer.name)
        pdf.set_creator(str(self.layout["name"]))
        pdf.set_producer("Jobcover")
        pdf.add_page()
        pdf.set_line_width(LINE_WIDTH)
        Acord25Sheet(self.layout, pdf).draw(content, verify_url)
        return bytes(pdf.output())


class Acord25Sheet(CoverageTable):
    """The sections, top to bottom, each returning where the next one starts."""

    def draw(self, content: CertificateContent, verify_url: str) -> None:
        y = self.margin
        y = self._header(content, y)
        y = self._disclaimer(y)
        y = self._parties(content, y)
        y = self._coverages(content, y)
        y = self._description(content, y)
        y = self._holder(content, y)
        y = self._verify(content, verify_url, y)
        self._footer(content, y)

    def _header(self, content: CertificateContent, y: float) -> float:
        height = self.heights["header"]
        x = self.margin
        mark_width, date_width = 78.0, 92.0
        self.pdf.set_fill_color(*BLACK)
        self.pdf.rect(x, y + 4, mark_width, height - 8, style="F")
        self.pdf.set_text_color(255, 255, 255)
        self._text(
            x,
            y + height / 2 - 6,
            str(self.layout["mark"]),
            size=10,
            bold=True,
            width=mark_width,
            align="C",
        )
        self.pdf.set_text_color(*BLACK)
        title_x = x + mark_width
        title_width = self.width - mark_width - date_width
        self._text(
            title_x,
            y + height / 2 - 8,
            str(self.layout["title"]),
            size=self.sizes["title"],
            bold=True,
            width=title_width,
            align="C",
        )
        date_x = x + self.width - date_width
        self._box(date_x, y + 4, date_width, height - 8)
        self._label(date_x, y + 4, "DATE (MM/DD/YYYY)", date_width)
        self._text(
            date_x, y + 14, content.issued_on.strftime("%m/%d/%Y"), width=date_width, align="C"
        )
        return y + height

    def _disclaimer(self, y: float) -> float:
        height = self.heights["disclaimer"]
        x, inner = self.margin, self.width - 8
        self._box(x, y, self.width, height)
        after = self._paragraph(
            x + 4, y + 3, inner, self.texts["disclaimer"], self.sizes["small"], bold=True
        )
        self._paragraph(x + 4, after + 2, inner, self.texts["important"], self.sizes["small"])
        return y + height

    def _parties(self, content: CertificateContent, y: float) -> float:
        half = self.width / 2
        left, right = self.margin, self.margin + half
        contact_rows = 3
        row = self.heights["contact_row"]
        insurer_row = self.heights["insurer_row"]
        naic_width = 52.0
        total = contact_rows * row + insurer_row * 7
        producer_height = contact_rows * row + insurer_row
        # Producer (top left) and insured (bottom left).
        self._box(left, y, half, producer_height)
        self._label(left, y, "PRODUCER")
        self._text(left + 6, y + 9, content.producer.name, width=half - 12)
        for index, line in enumerate(content.producer.address):
            self._text(
                left + 6,
                y + 18 + index * 8.5,
                line,
                size=self.sizes["value"] - 0.4,
                width=half - 12,
            )
        self._box(left, y + producer_height, half, total - producer_height)
        self._label(left, y + producer_height, "INSURED")
        self._text(
            left + 6,
            y + producer_height + 10,
            content.insured.name,
            size=self.sizes["holder"],
            width=half - 12,
        )
        for index, line in enumerate(content.insured.address):
            self._text(left + 6, y + producer_height + 21 + index * 9.5, line, width=half - 12)
        # Contact (top right), insurers A-F with NAIC numbers below.
        contact = content.contact
        for index, (label, value) in enumerate(
            (
                ("CONTACT NAME:", contact.name),
                ("PHONE (A/C, No, Ext):", contact.phone),
                ("E-MAIL ADDRESS:", contact.email),
            )
        ):
            top = y + index * row
            self._box(right, top, half, row)
            self._label(right, top + 1.5, label)
            self._text(
                right + 72, top + 1.8, value, size=self.sizes["value"] - 0.6, width=half - 76
            )
        top = y + contact_rows * row
        self._box(right, top, half - naic_width, insurer_row, fill=True)
        self._box(right + half - naic_width, top, naic_width, insurer_row, fill=True)
        self._label(right, top + 1, "INSURER(S) AFFORDING COVERAGE", half - naic_width)
        self._label(right + half - naic_width, top + 1, "NAIC #", naic_width)
        insurers = {insurer.letter: insurer for insurer in content.insurers}
        for index, letter in enumerate("ABCDEF"):
            top = y + contact_rows * row + insurer_row * (index + 1)
            self._box(right, top, half - naic_width, insurer_row)
            self._box(right + half - naic_width, top, naic_width, insurer_row)
            self._label(right, top + 1, f"INSURER {letter} :")
            insurer = insurers.get(letter)
            if insurer is not None:
                self._text(
                    right + 42,
                    top + 1.2,
                    insurer.name,
                    size=self.sizes["value"] - 0.6,
                    width=half - naic_width - 46,
                )
                self._text(
                    right + half - naic_width,
                    top + 1.2,
                    insurer.naic or "not on file",
                    size=self.sizes["value"] - 0.6 if insurer.naic else self.sizes["label"],
                    width=naic_width,
                    align="C",
                )
        return y + total

    def _description(self, content: CertificateContent, y: float) -> float:
        height = self.heights["description"]
        x = self.margin
        self._box(x, y, self.width, height)
        self._label(x, y + 0.5, "DESCRIPTION OF OPERATIONS / LOCATIONS / VEHICLES")
        text = "\n".join(content.operations)
        inner_width, inner_height = self.width - 10, height - 12
        size = self.sizes["description"]
        lines = self._lines(inner_width, text, size)
        while size > self.sizes["description_min"] and len(lines) * size * 1.2 > inner_height:
            size -= 0.2
            lines = self._lines(inner_width, text, size)
        fitting = int(inner_height // (size * 1.2))
        if len(lines) > fitting:
            lines = [*lines[: fitting - 1], CONTINUED]
        self._font(size, text=text)
        for index, line in enumerate(lines):
            self.pdf.set_xy(x + 5, y + 9 + index * size * 1.2)
            self.pdf.cell(inner_width, size * 1.2, line)
        return y + height

    def _holder(self, content: CertificateContent, y: float) -> float:
        height = self.heights["holder"]
        half = self.width / 2
        left, right = self.margin, self.margin + half
        self._box(left, y, half, 10, fill=True)
        self._label(left, y + 1.5, "CERTIFICATE HOLDER")
        self._box(left, y + 10, half, height - 10)
        holder = content.holder
        if holder is None:
            self._paragraph(
                left + 8, y + 18, half - 16, self.texts["no_holder"], self.sizes["value"]
            )
        else:
            self._text(
                left + 12, y + 20, holder.name, size=self.sizes["holder"] + 0.6, width=half - 24
            )
            for index, line in enumerate(holder.address):
                self._text(
                    left + 12,
                    y + 32 + index * 10.5,
                    line,
                    size=self.sizes["holder"],
                    width=half - 24,
                )
        self._box(right, y, half, 10, fill=True)
        self._label(right, y + 1.5, "CANCELLATION")
        self._box(right, y + 10, half, height - 10)
        self._paragraph(
            right + 4, y + 13, half - 8, self.texts["cancellation"], self.sizes["small"], bold=True
        )
        self.pdf.line(right, y + height - 26, right + half, y + height - 26)
        self._label(right, y + height - 25.5, "AUTHORIZED REPRESENTATIVE")
        self._text(
            right + 6,
            y + height - 16,
            self.texts["representative"].format(producer=content.producer.name),
            size=self.sizes["value"] - 0.4,
            width=half - 12,
        )
        return y + height

    def _verify(self, content: CertificateContent, url: str, y: float) -> float:
        height = self.heights["verify"]
        x = self.margin
        self._box(x, y + 4, self.width, height - 4)
        side = height - 10
        self._qr(url, x + 4, y + 7, side)
        text_x = x + side + 12
        text_width = self.width - side - 18
        self._text(text_x, y + 8, self.texts["verify_heading"], size=7.5, bold=True)
        self._text(text_x, y + 18, url, size=self.sizes["value"] + 0.4, width=text_width)
        self._text(
            text_x,
            y + 29,
            f"Certificate {content.number} · revision {content.revision}",
            size=self.sizes["value"],
            width=text_width,
        )
        self._paragraph(
            text_x,
            y + 40,
            text_width,
            self.texts["verify"].format(revision=content.revision, number=content.number),
            self.sizes["small"],
        )
        return y + height

    def _footer(self, content: CertificateContent, y: float) -> None:
        self._text(
            self.margin,
            y + 2,
            self.texts["footer"].format(form=content.form),
            size=5.2,
            width=self.width,
        )
