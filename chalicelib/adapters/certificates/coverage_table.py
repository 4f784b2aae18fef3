"""The COVERAGES table of the ACORD 25 layout: the certificate number and revision, the standing
statement, the column headings and one row per line of the layout (GL, auto, umbrella, WC): the
insurer letter, ADDL INSD / SUBR WVD, policy number, period and limits of each line shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.adapters.certificates.drawing import Sheet
from chalicelib.domain.certificates import CertificateContent, CoverageRow, Period


def _money(cents: int) -> str:
    return f"$ {cents // 100:,}" if cents % 100 == 0 else f"$ {cents / 100:,.2f}"


def _period_cells(period: Period, which: str) -> list[str]:
    instant = period.start if which == "start" else period.end
    if period.kind == "policy_term":
        return [instant.strftime("%m/%d/%Y")]
    return [instant.strftime("%m/%d/%Y"), f"{instant:%H:%M} {period.time_zone}"]


class CoverageTable(Sheet):
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
