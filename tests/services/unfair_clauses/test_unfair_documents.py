"""Reading uploaded documents: every format, and a clear French error for every bad file."""

from __future__ import annotations

import io

import pytest

from iapublique.core import documents
from iapublique.core.tables import TableError
from iapublique.services.unfair_clauses import UnfairClausesService

CGV = (
    "Article 1 – Prix\nLe vendeur se réserve le droit de modifier ses prix à tout moment. "
    "Le paiement s'effectue à la commande."
)


def _text_pdf(text: str) -> bytes:
    """A minimal one-page PDF with a text layer (Helvetica), written by hand."""
    stream = f"BT /F1 12 Tf 50 750 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _image_pdf(text: str | None) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1700, 600), "white")
    if text:
        font = ImageFont.load_default(size=44)
        ImageDraw.Draw(image).multiline_text((60, 60), text, fill="black", font=font, spacing=20)
    buf = io.BytesIO()
    image.save(buf, format="PDF", resolution=200)
    return buf.getvalue()


def test_plain_text_and_html(service: UnfairClausesService) -> None:
    rows = service.read_document("cgv.txt", CGV.encode("utf-8"))
    assert rows.loc[0, "text"].startswith("Article 1") and rows.loc[0, "document_id"] == "cgv"
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<h1>Conditions</h1><p>Le vendeur se r&eacute;serve le droit de modifier ses prix &agrave; tout moment.</p>"
        "</body></html>"
    )
    text = service.read_document("cgv.html", html.encode("utf-8")).loc[0, "text"]
    assert "alert" not in text and "color" not in text
    assert "réserve le droit de modifier ses prix à tout moment" in text


def test_docx(service: UnfairClausesService) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Article 1 – Prix")
    document.add_paragraph("Le vendeur se réserve le droit de modifier ses prix à tout moment.")
    buf = io.BytesIO()
    document.save(buf)
    text = service.read_document("contrat.docx", buf.getvalue()).loc[0, "text"]
    assert "modifier ses prix" in text


def test_pdf_with_text_layer(service: UnfairClausesService) -> None:
    rows = service.read_document(
        "cgv.pdf", _text_pdf("Le vendeur se reserve le droit de modifier ses prix a tout moment.")
    )
    assert "modifier ses prix" in rows.loc[0, "text"]
    assert rows.loc[0, "ocr_confidence"] is None


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("vide.pdf", b"", "vide"),
        ("vide.txt", b"   \n", "vide"),
        ("casse.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage", "PDF"),
        ("faux.pdf", b"ceci n'est pas un pdf", "pas un PDF"),
        ("faux.docx", b"PK\x03\x04 pas un zip complet", "DOCX"),
        ("image.png", b"\x89PNG....", "non pris en charge"),
        ("court.txt", b"ok", "texte exploitable"),
    ],
)
def test_bad_files_give_french_errors(service: UnfairClausesService, name: str, data: bytes, fragment: str) -> None:
    with pytest.raises(TableError) as err:
        service.read_document(name, data)
    assert fragment in str(err.value) and name in str(err.value)


def test_file_over_size_limit(service: UnfairClausesService) -> None:
    with pytest.raises(TableError, match="limite de 20 Mo"):
        service.read_document("enorme.txt", b"a" * (documents.MAX_BYTES + 1))


def test_image_without_text(service: UnfairClausesService) -> None:
    with pytest.raises(TableError, match=r"aucun texte|OCR|ni texte"):
        service.read_document("scan_blanc.pdf", _image_pdf(None))


@pytest.mark.skipif(not documents.tesseract_available(), reason="tesseract-ocr-fra n'est pas installé")
def test_scanned_pdf_is_read_by_ocr(service: UnfairClausesService) -> None:
    pdf = _image_pdf("Le vendeur se réserve le droit\nde modifier ses prix à tout moment.")
    rows = service.read_document("scan.pdf", pdf)
    assert "modifier" in rows.loc[0, "text"] and "prix" in rows.loc[0, "text"]
    assert 50 <= rows.loc[0, "ocr_confidence"] <= 100
