"""The ACORD 25 renderer: every section in the PDF's text (pypdf) for WC only, GL only and both;
names in three scripts; the embedded font subset; the size budget; and a PNG of the page
(pdftoppm) kept at `build/test-artifacts/certificate-acord25.png` to look at."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from chalicelib.certificate_data import load_layout, renderer
from chalicelib.domain.assignments import AssignmentInput
from chalicelib.domain.certificates import Certificate, certificate_id_for
from tests.fakes import FakeApp
from tests.unit.test_services_on_fakes import PLATFORM, contractor, job, quote

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
PNG = ARTIFACTS / "certificate-acord25.png"
SIZE_BUDGET = 30 * 1024
VIETNAMESE = "Nguyễn Thị Ánh"
LATIN = "Zoë O'Brien-Łukasz"
CYRILLIC = "Дмитрий Иванов"
GREEK = "Νίκος Παπαδόπουλος"


def issue(
    lines: tuple[str, ...],
    *,
    insured: str = "Dana Reyes",
    holder: str = "Harbor PM",
    description: str | None = "Replace the rooftop condenser fan motor",
) -> Certificate:
    app = FakeApp(certificates=True)
    contractor_id = contractor(app, legal_name=insured)
    quoted = quote(app, contractor_id, app.clock.now().date())
    app.policies.create_policy(PLATFORM, quoted.id)
    customer_id = app.parties.create_customer(
        PLATFORM,
        {
            "name": holder,
            "address": {
                "line1": "9 Pier Rd",
                "city": "Hoboken",
                "state": "NJ",
                "postal_code": "07030",
            },
            "requirements": {
                "additional_insured": True,
                "waiver_of_subrogation": True,
                "primary_noncontributory": True,
            },
        },
    ).id
    request = job(app, contractor_id, "job-1042", customer_id=customer_id)
    request = AssignmentInput(**{**request.__dict__, "lines": lines, "description": description})
    bound = app.assignments.create(PLATFORM, request)
    assert bound.status == "bound", bound.coverage
    found: Certificate = app.store.get("certificate", PLATFORM, certificate_id_for(bound.id))
    return found


def render(certificate: Certificate) -> bytes:
    return renderer().render(
        certificate.current.content,
        f"https://api.test/v1/verify/{certificate.number}?revision={certificate.revision}",
    )


def text_of(pdf: bytes) -> str:
    """The page's text with line breaks and runs of spaces as one space (wrapped phrases)."""
    pages = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(pages.split())


COMMON = [
    "CERTIFICATE OF LIABILITY INSURANCE",
    "DATE (MM/DD/YYYY)",
    "DOES NOT AMEND, EXTEND OR ALTER THE COVERAGE",
    "PRODUCER",
    "INSURED",
    "INSURER(S) AFFORDING COVERAGE",
    "NAIC #",
    "INSURER A :",
    "INSURER F :",
    "CERTIFICATE NUMBER:",
    "REVISION NUMBER:",
    "TYPE OF INSURANCE",
    "ADDL",
    "SUBR",
    "POLICY NUMBER",
    "POLICY EFF",
    "POLICY EXP",
    "LIMITS",
    "DESCRIPTION OF OPERATIONS / LOCATIONS / VEHICLES",
    "Job job-1042",
    "Work address: 5 Elm St, Newark, NJ 07102.",
    "Dispatch window:",
    "CERTIFICATE HOLDER",
    "CANCELLATION",
    "AUTHORIZED REPRESENTATIVE",
    "VERIFY THIS CERTIFICATE",
]
GL = [
    "COMMERCIAL GENERAL LIABILITY",
    "OCCUR",
    "EACH OCCURRENCE",
    "DAMAGE TO RENTED PREMISES",
    "MED EXP",
    "PERSONAL & ADV INJURY",
    "GENERAL AGGREGATE",
    "PRODUCTS - COMP/OP AGG",
    "$ 1,000,000",
    "$ 2,000,000",
    "is included as additional insured",
    "primary and non-contributory",
]
WC = [
    "WORKERS COMPENSATION",
    "PER STATUTE",
    "EXCLUDED?",
    "E.L. EACH ACCIDENT",
    "E.L. DISEASE - EA EMPLOYEE",
    "E.L. DISEASE - POLICY LIMIT",
    "$ 100,000",
    "$ 500,000",
]


@pytest.mark.parametrize(
    ("lines", "present", "absent"),
    [
        (("wc", "gl"), COMMON + GL + WC, []),
        (("wc",), COMMON + WC, ["$ 1,000,000", "is included as additional insured"]),
        (("gl",), COMMON + GL, ["$ 500,000"]),
    ],
    ids=["wc-and-gl", "wc-only", "gl-only"],
)
def test_every_acord_25_section_is_in_the_pdf(lines, present, absent):
    certificate = issue(lines)
    pdf = render(certificate)
    text = text_of(pdf)
    missing = [snippet for snippet in present if snippet not in text]
    assert missing == []
    assert [snippet for snippet in absent if snippet in text] == []
    content = certificate.current.content
    assert certificate.number in text
    assert f"revision {certificate.revision}" in text
    assert f"https://api.test/v1/verify/{certificate.number}?revision=1" in text
    for row in content.coverages:
        assert row.policy_number in text
        assert row.period.start.strftime("%m/%d/%Y") in text
        assert row.period.time_zone in text  # the window's zone is printed
    assert not any(r.additional_insured for r in content.coverages if r.line == "wc")
    assert len(pdf) <= SIZE_BUDGET


def test_names_in_three_scripts_render_with_an_embedded_subset_font():
    certificate = issue(
        ("wc", "gl"), insured=VIETNAMESE, holder=CYRILLIC, description=f"{GREEK}, {LATIN}"
    )
    pdf = render(certificate)
    text = text_of(pdf)
    for name in (VIETNAMESE, CYRILLIC, GREEK, LATIN):
        assert name in text
    reader = PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        font = font.get_object()
        assert font["/Subtype"] == "/Type0"  # a Unicode (CID) font, not a core font
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # embedded
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"]))  # subset
    assert len(pdf) <= SIZE_BUDGET


def test_the_same_content_renders_the_same_bytes():
    certificate = issue(("wc", "gl"))
    assert render(certificate) == render(certificate)


def test_a_long_description_is_cut_with_a_pointer_to_the_record():
    certificate = issue(("gl",), description="Rooftop work. " * 140)
    text = text_of(render(certificate))
    assert "…" in text
    assert "DESCRIPTION OF OPERATIONS" in text and "CERTIFICATE HOLDER" in text


def test_the_layout_is_data():
    layout = load_layout()
    assert sum(column["width"] for column in layout["columns"]) == layout["page"]["width"]
    assert [row["line"] for row in layout["rows"]] == ["gl", "auto", "umbrella", "wc"]


def test_the_page_renders_to_a_png_kept_as_an_artifact():
    """The picture to look at: pdftoppm (poppler-utils, `make test` installs it when missing)."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm missing: `make poppler` (apt-get install poppler-utils)"
    certificate = issue(("wc", "gl"), insured=VIETNAMESE, holder=LATIN)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / "certificate-acord25.pdf"
    pdf_path.write_bytes(render(certificate))
    subprocess.run(
        [pdftoppm, "-png", "-r", "110", "-singlefile", str(pdf_path), str(PNG.with_suffix(""))],
        check=True,
        timeout=60,
    )
    from PIL import Image

    with Image.open(PNG) as image:
        assert image.size == (935, 1210)  # US Letter at 110 dpi
        grey = image.convert("L")
        histogram = grey.histogram()
        dark = sum(histogram[:128]) / (image.size[0] * image.size[1])
        assert 0.02 < dark < 0.25  # ink on the page, not a blank or a black page


def test_importing_the_app_loads_no_pdf_library():
    """Cold starts that issue no certificate do not pay for fpdf2, fontTools, Pillow or segno."""
    probe = (
        "import sys, app; "
        "print(sorted(m for m in ('fpdf', 'fontTools', 'PIL', 'segno') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_concurrent_renders_do_not_mix_pages():
    """The renderer is shared by a process's threads (a request and the outbox job)."""
    from concurrent.futures import ThreadPoolExecutor

    certificates = [issue(("wc", "gl"), insured=name) for name in (VIETNAMESE, GREEK, CYRILLIC)]
    alone = [render(c) for c in certificates]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(render, certificates * 2))
    assert together == alone * 2
