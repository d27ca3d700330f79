"""Requêtes as documents (text, PDF with a text layer, scanned PDF through OCR) and as labelled JSONL corpora."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from iapublique.core.explain import Explanation
from iapublique.core.tables import TableError
from iapublique.services.litigation_series import LitigationSeriesService
from iapublique.services.litigation_series.model import SeriesModel

REQUETE = ("TRIBUNAL ADMINISTRATIF DE LYON\nPOUR : Monsieur Jean MARTIN, demeurant 4 rue Pasteur, 69003 Lyon\n"
           "CONTRE : l'arrete du prefet du Rhone n 2023-0145 du 6 mars 2023\nPAR CES MOTIFS\n- annuler l'arrete ;")


def _text_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a text layer (Helvetica), one text line per entry."""
    body = " ".join(f"BT /F1 10 Tf 40 {760 - 16 * i} Td ({line}) Tj ET" for i, line in enumerate(lines))
    stream = body.encode("latin-1")
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
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_text_and_pdf_documents_become_records(service: LitigationSeriesService) -> None:
    """A text file and a PDF with a text layer give one requête named after the file."""
    rows = service.read_document("2301234.txt", REQUETE.encode("utf-8"))
    assert rows.loc[0, "case_id"] == "2301234" and "2023-0145" in rows.loc[0, "text"]
    pdf = service.read_document("2305678.pdf", _text_pdf(REQUETE.split("\n")))
    assert pdf.loc[0, "case_id"] == "2305678" and "2023-0145" in pdf.loc[0, "text"]
    with pytest.raises(TableError):
        service.read_document("vide.pdf", b"")


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract absent : OCR non testé")
def test_scanned_requete_keeps_its_ocr_confidence(service: LitigationSeriesService,
                                                  calibrated: SeriesModel) -> None:
    """A scanned PDF is read by OCR; the confidence reaches the result's explanation."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1700, 500), "white")
    ImageDraw.Draw(image).multiline_text((60, 60), "CONTRE : l'arrete du prefet\nPAR CES MOTIFS annuler l'arrete",
                                         fill="black", font=ImageFont.load_default(size=44), spacing=20)
    buf = io.BytesIO()
    image.save(buf, format="PDF", resolution=200)
    rows = service.read_document("scan.pdf", buf.getvalue())
    assert 40 <= rows.loc[0, "ocr_confidence"] <= 100
    out = service.run(calibrated, rows).iloc[0]
    labels = [f.label for f in Explanation.from_cell(out["explanation"]).factors]
    assert any("reconnaissance de caractères" in label for label in labels)


def test_evaluate_on_a_labelled_jsonl_corpus(service: LitigationSeriesService, tmp_path: Path) -> None:
    """``--corpus`` reads JSONL with id, text, metadata and series, and measures the service on it."""
    corpus = service.demo_data(500, seed=31)
    path = tmp_path / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for row in corpus.to_dict("records"):
            out.write(json.dumps({"id": row["case_id"], "text": row["text"], "court": row["court"],
                                  "registered_on": str(row["registered_on"]), "series": row["series"]},
                                 ensure_ascii=False) + "\n")
    figures = service.evaluate_with({"corpus": str(path), "taille": "600"})
    assert figures["n_requetes"] == 500
    assert figures["pairwise_f1"] >= 0.85 and figures["bcubed_f1"] >= 0.85
    with pytest.raises(ValueError, match="option"):
        service.evaluate_with({"inconnue": "1"})
