"""The PDF renderer: one US Letter page in the ACORD 25 layout, drawn from a data template.

`chalicelib/data/certificates/acord25-layout.json` holds the geometry (section heights, table
columns), the form's labels and its standing wording; this module draws a `CertificateContent`
into it. fpdf2 is imported on the first render, so a cold start that issues no certificate does
not pay for it. The output is deterministic for a given content and URL (the creation date is
the revision's date), so a retried render stores the same bytes under the same hash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.certificates.fonts import bold_covers, bold_font, regular_font
from chalicelib.domain.certificates import CertificateContent, CoverageRow, Period

if TYPE_CHECKING:
    from fpdf import FPDF

FAMILY = "Arimo"
GREY = (236, 236, 236)
BLACK = (0, 0, 0)
LINE_WIDTH = 0.5
CONTINUED = "(continued: the full description is in the certificate record at the verify address)"
VARIATION_TABLES = ("fvar", "gvar", "HVAR", "MVAR", "STAT", "avar", "cvar")


def _money(cents: int) -> str:
    return f"$ {cents // 100:,}" if cents % 100 == 0 else f"$ {cents / 100:,.2f}"


def _period_cells(period: Period, which: str) -> list[str]:
    instant = period.start if which == "start" else period.end
    if period.kind == "policy_term":
        return [instant.strftime("%m/%d/%Y")]
    return [instant.strftime("%m/%d/%Y"), f"{instant:%H:%M} {period.time_zone}"]


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
    """`render(content, verify_url) -> PDF bytes`."""

    def __init__(self, layout: Mapping[str, Any]) -> None:
        self.layout = layout
        self.sizes: Mapping[str, float] = layout["sizes"]
        self.heights: Mapping[str, float] = layout["heights"]
        self.texts: Mapping[str, str] = layout["texts"]
        self.margin = float(layout["page"]["margin"])
        self.width = float(layout["page"]["width"])

    # -- public -------------------------------------------------------------------------------
    def render(self, content: CertificateContent, verify_url: str) -> bytes:
        from fpdf import FPDF

        pdf = FPDF(unit="pt", format=self.layout["page"]["format"])
        pdf.set_compression(True)
        pdf.set_auto_page_break(False)
        pdf.set_margins(self.margin, self.margin, self.margin)
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
        self._pdf = pdf
        y = self.margin
        y = self._header(content, y)
        y = self._disclaimer(y)
        y = self._parties(content, y)
        y = self._coverages(content, y)
        y = self._description(content, y)
        y = self._holder(content, y)
        y = self._verify(content, verify_url, y)
        self._footer(content, y)
        return bytes(pdf.output())

    # -- primitives ---------------------------------------------------------------------------
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
        self._font(size, bold=bold, text=text)
        self.pdf.set_xy(x, y)
        self.pdf.multi_cell(width, size * 1.2, text, align="L")
        return float(self.pdf.get_y())

    def _lines(self, width: float, text: str, size: float) -> list[str]:
        self._font(size, text=text)
        from fpdf.enums import MethodReturnValue

        lines = self.pdf.multi_cell(width, size, text, dry_run=True, output=MethodReturnValue.LINES)
        assert isinstance(lines, list)
        return [str(line) for line in lines]

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

    # -- sections -----------------------------------------------------------------------------
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

    def _coverages(self, content: CertificateContent, y: float) -> float:
        x = self.margin
        bar = self.heights["coverages_bar"]
        self._box(x, y, self.width, bar, fill=True)
        self._text(x + 4, y + 2, "COVERAGES", size=7.2, bold=True)
        self._text(
            x + 150, y + 2.5, "CERTIFICATE NUMBER:", size=self.sizes["label"] + 0.6, bold=True
        )
        self._text(x + 222, y + 1.5, content.number, size=self.sizes["value"], bold=True)
        self._text(
            x + self.width - 130,
            y + 2.5,
            "REVISION NUMBER:",
            size=self.sizes["label"] + 0.6,
            bold=True,
        )
        self._text(
            x + self.width - 66, y + 1.5, str(content.revision), size=self.sizes["value"], bold=True
        )
        y += bar
        self._box(x, y, self.width, self.heights["certify"])
        self._paragraph(
            x + 4, y + 3, self.width - 8, self.texts["certify"], self.sizes["small"] - 0.3
        )
        y += self.heights["certify"]
        columns: Sequence[Mapping[str, Any]] = self.layout["columns"]
        lefts: dict[str, float] = {}
        widths: dict[str, float] = {}
        cursor = x
        for column in columns:
            lefts[column["key"]] = cursor
            widths[column["key"]] = float(column["width"])
            cursor += float(column["width"])
        header = self.heights["table_header"]
        self._box(x, y, self.width, header, fill=True)
        for column in columns:
            key = column["key"]
            if key == "limit_amount":
                continue
            width = widths[key] + (widths["limit_amount"] if key == "limit_label" else 0)
            self.pdf.rect(lefts[key], y, width, header)
            label = str(column["label"])
            lines = label.count("\n") + 1
            self._label(
                lefts[key], y + (header - lines * self.sizes["label"] * 1.1) / 2 - 1, label, width
            )
        y += header
        rows_by_line = {row.line: row for row in content.coverages}
        for row_layout in self.layout["rows"]:
            y = self._coverage_row(
                row_layout, rows_by_line.get(row_layout["line"]), lefts, widths, y
            )
        return y

    def _coverage_row(
        self,
        layout: Mapping[str, Any],
        row: CoverageRow | None,
        lefts: Mapping[str, float],
        widths: Mapping[str, float],
        y: float,
    ) -> float:
        labels: list[str] = list(layout["limits"])
        extra = 4 if layout["line"] in ("gl", "wc") else 0
        height = max(len(labels), 2) * self.heights["limit_row"] + extra
        limit_row = height / len(labels)
        for key, left in lefts.items():
            if key == "limit_amount":
                continue
            self.pdf.rect(
                left,
                y,
                widths[key] + (widths["limit_amount"] if key == "limit_label" else 0),
                height,
            )
        label_x, amount_x = lefts["limit_label"], lefts["limit_amount"]
        amounts: dict[str, str] = {}
        if row is not None:
            amounts = {limit.label: _money(limit.amount_cents) for limit in row.limits}
        for index, label in enumerate(labels):
            top = y + index * limit_row
            self.pdf.line(amount_x, top, amount_x, top + limit_row)
            if index:
                self.pdf.line(label_x, top, amount_x + widths["limit_amount"], top)
            if label == "PER STATUTE":
                self._check(label_x + 3, top + 2, bool(row and row.per_statute), 5.5)
                self._label(label_x + 9, top + 1.3, "PER STATUTE")
                self._check(label_x + 56, top + 2, False, 5.5)
                self._label(label_x + 62, top + 1.3, "OTH-ER")
                continue
            self._label(label_x, top + 1.3, label, widths["limit_label"], align="L")
            if label in amounts:
                self._text(
                    amount_x,
                    top + 0.8,
                    amounts[label],
                    size=self.sizes["value"] - 0.4,
                    width=widths["limit_amount"] - 3,
                    align="R",
                )
        type_x, type_width = lefts["type"] + 3, widths["type"] - 6
        top = y + 2
        if layout["line"] == "gl":
            self._check(type_x, top, row is not None)
            self._text(
                type_x + 9, top - 0.8, layout["type"][0], size=self.sizes["label"] + 0.6, bold=True
            )
            claims_made = bool(row and row.claims_made)
            self._check(type_x + 9, top + 10, row is not None and claims_made)
            self._label(type_x + 16, top + 9.6, "CLAIMS-MADE")
            self._check(type_x + 62, top + 10, row is not None and not claims_made)
            self._label(type_x + 69, top + 9.6, "OCCUR")
            self._label(type_x - 1.5, top + 22, "GEN'L AGGREGATE LIMIT APPLIES PER:")
            applies = row.aggregate_applies_per if row else None
            for offset, (code, text) in enumerate(
                (("policy", "POLICY"), ("project", "PRO-JECT"), ("location", "LOC"))
            ):
                self._check(type_x + offset * 40, top + 31, applies == code)
                self._label(type_x + 7 + offset * 40, top + 30.6, text)
        elif layout["line"] == "wc":
            for index, part in enumerate(layout["type"]):
                self._text(
                    type_x, top - 0.8 + index * 7, part, size=self.sizes["label"] + 0.6, bold=True
                )
            for index, part in enumerate(layout["proprietor_question"]):
                self._label(type_x - 1.5, top + 15 + index * 6.2, part)
            excluded = row.proprietor_excluded if row else None
            box_x = type_x + type_width - 22
            self.pdf.rect(box_x, top + 20, 20, 10)
            self._label(box_x, top + 13, "Y / N", 20)
            if excluded is not None:
                self._text(
                    box_x,
                    top + 21,
                    "Y" if excluded else "N",
                    size=7.5,
                    bold=True,
                    width=20,
                    align="C",
                )
        else:
            self._text(
                type_x, top - 0.8, layout["type"][0], size=self.sizes["label"] + 0.6, bold=True
            )
            self._text(
                type_x, top + 8, str(layout.get("not_offered", "")), size=self.sizes["label"] + 0.4
            )
        if row is not None:
            middle = y + 3
            self._text(
                lefts["letter"], middle, row.insurer, width=widths["letter"], align="C", bold=True
            )
            self._text(
                lefts["addl"],
                middle,
                "Y" if row.additional_insured else "",
                width=widths["addl"],
                align="C",
                bold=True,
            )
            self._text(
                lefts["subr"],
                middle,
                "Y" if row.waiver else "",
                width=widths["subr"],
                align="C",
                bold=True,
            )
            self._text(
                lefts["policy"] + 2,
                middle,
                row.policy_number,
                width=widths["policy"] - 4,
                size=self.sizes["value"] - 0.4,
            )
            for key, which in (("effective", "start"), ("expires", "end")):
                for index, text in enumerate(_period_cells(row.period, which)):
                    self._text(
                        lefts[key] + 1,
                        middle + index * 8,
                        text,
                        width=widths[key] - 2,
                        align="C",
                        size=self.sizes["value"] - (0.4 if index == 0 else 1.6),
                    )
        return y + height

    def _description(self, content: CertificateContent, y: float) -> float:
        height = self.heights["description"]
        x = self.margin
        self._box(x, y, self.width, height)
        self._label(x, y + 0.5, "DESCRIPTION OF OPERATIONS / LOCATIONS / VEHICLES")
        text = "\n".join(content.operations)
        inner_width, inner_height = self.width - 10, height - 12
        size = self.sizes["description"]
        while (
            size > self.sizes["description_min"]
            and len(self._lines(inner_width, text, size)) * size * 1.2 > inner_height
        ):
            size -= 0.2
        lines = self._lines(inner_width, text, size)
        fitting = int(inner_height // (size * 1.2))
        if len(lines) > fitting:
            lines = [
                *lines[: fitting - 1],
                CONTINUED,
            ]
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

    def _footer(self, content: CertificateContent, y: float) -> None:
        self._text(
            self.margin,
            y + 2,
            self.texts["footer"].format(form=content.form),
            size=5.2,
            width=self.width,
        )
