"""Reading uploaded documents (PDF, DOCX, HTML, plain text) into text, with OCR for scanned PDFs.

Every failure becomes a French ``TableError`` that says what is wrong with the file and how to fix it:
an empty file, a file over the size limit, a corrupt PDF or DOCX, an image without text, a scan when
Tesseract is not installed. OCR runs the ``tesseract`` binary with the French model on the images of
each page and keeps its mean word confidence.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from iapublique.core.tables import TableError

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 500
OCR_TIMEOUT_S = 120
DOCUMENT_TYPES = (".pdf", ".docx", ".html", ".htm", ".txt", ".md")


@dataclass
class DocumentText:
    """The text of a document and how it was obtained."""

    text: str
    method: str
    pages: int = 0
    ocr_confidence: float | None = None


class _TextExtractor(HTMLParser):
    """Visible text of an HTML page; scripts, styles and templates dropped, blocks kept as lines."""

    BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "section",
            "article",
            "table",
            "ul",
            "ol",
            "header",
            "footer",
            "td",
            "th",
            "dd",
            "dt",
            "blockquote",
            "pre",
        }
    )
    HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "svg", "iframe", "object"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _decode(name: str, data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(name, "le fichier texte n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en UTF-8.")


def html_text(markup: str) -> str:
    """Visible text of an HTML document, tags stripped, entities decoded (never executed)."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return _tidy("".join(parser.parts))


def _docx_text(name: str, data: bytes) -> str:
    import docx  # python-docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TableError(
            name,
            f"le fichier DOCX est illisible ou corrompu ({type(exc).__name__}) : "
            "réenregistrez-le depuis votre traitement de texte.",
        ) from None
    except Exception as exc:  # python-docx raises its own error types for damaged packages
        raise TableError(name, f"le fichier DOCX est illisible ou corrompu ({type(exc).__name__}).") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return _tidy("\n".join(lines))


def tesseract_available() -> bool:
    """Whether the ``tesseract`` binary with its French model is installed."""
    exe = shutil.which("tesseract")
    if exe is None:
        return False
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return "fra" in out.stdout.split()


def ocr_images(name: str, images: list[bytes]) -> tuple[str, float | None]:
    """Text and mean word confidence (0–100) of page images, through ``tesseract -l fra``."""
    if not tesseract_available():
        raise TableError(
            name,
            "ce PDF est une image numérisée sans couche texte et l'OCR n'est pas installé sur ce "
            "serveur (paquet tesseract-ocr-fra) : demandez à l'administrateur de l'installer ou "
            "fournissez un PDF avec texte.",
        )
    texts: list[str] = []
    confidences: list[float] = []
    with tempfile.TemporaryDirectory(prefix="iap-ocr-") as tmp:
        for k, image in enumerate(images):
            path = Path(tmp) / f"page{k}.img"
            path.write_bytes(image)
            try:
                out = subprocess.run(
                    ["tesseract", str(path), "stdout", "-l", "fra", "tsv"],
                    capture_output=True,
                    text=True,
                    timeout=OCR_TIMEOUT_S,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise TableError(
                    name, "la reconnaissance de caractères a dépassé le temps alloué : découpez le document."
                ) from None
            words: list[str] = []
            last_line: tuple[str, ...] = ()
            for row in out.stdout.splitlines()[1:]:
                cols = row.split("\t")
                if len(cols) < 12 or not cols[11].strip():
                    continue
                line_key = tuple(cols[1:5])
                if words and line_key != last_line:
                    words.append("\n")
                last_line = line_key
                words.append(cols[11])
                try:
                    conf = float(cols[10])
                except ValueError:
                    continue
                if conf >= 0:
                    confidences.append(conf)
            texts.append(" ".join(words).replace(" \n ", "\n"))
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    return _tidy("\n\n".join(texts)), mean


def _pdf_text(name: str, data: bytes) -> DocumentText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == 0:
            raise TableError(name, "le PDF est protégé par un mot de passe : fournissez une version non protégée.")
        pages = list(reader.pages)
    except TableError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, IndexError) as exc:
        raise TableError(
            name,
            f"le fichier PDF est corrompu ou illisible ({type(exc).__name__}) : "
            "réenregistrez-le ou exportez-le à nouveau en PDF.",
        ) from None
    if not pages:
        raise TableError(name, "le PDF ne contient aucune page.")
    if len(pages) > MAX_PAGES:
        raise TableError(name, f"le PDF compte {len(pages)} pages, au-delà de la limite de {MAX_PAGES} : découpez-le.")
    texts: list[str] = []
    try:
        for page in pages:
            texts.append(page.extract_text() or "")
    except Exception as exc:  # pypdf raises many types on damaged content streams
        raise TableError(
            name, f"le contenu du PDF est endommagé ({type(exc).__name__}) : exportez-le à nouveau."
        ) from None
    text = _tidy("\n\n".join(texts))
    if len(re.findall(r"\w", text)) >= 20 * len(pages) or len(re.findall(r"\w", text)) >= 200:
        return DocumentText(text, "pdf-texte", len(pages))
    images: list[bytes] = []
    try:
        for page in pages:
            for image in page.images:
                images.append(image.data)
    except Exception:  # an image stream pypdf cannot decode counts as "no image"
        images = []
    if not images:
        raise TableError(name, "le PDF ne contient ni texte ni image exploitable : vérifiez qu'il n'est pas vide.")
    ocr_text, confidence = ocr_images(name, images)
    if len(re.findall(r"\w", ocr_text)) < 20:
        raise TableError(
            name,
            "aucun texte n'a pu être reconnu dans ce PDF numérisé (image sans texte ou de trop "
            "faible qualité) : numérisez-le à 300 points par pouce au moins.",
        )
    return DocumentText(ocr_text, "ocr-tesseract", len(pages), confidence)


def extract_text(name: str, data: bytes) -> DocumentText:
    """The text of an uploaded document, by its suffix; French ``TableError`` on any problem."""
    suffix = Path(name).suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        accepted = ", ".join(DOCUMENT_TYPES)
        raise TableError(
            name, f"type de fichier « {suffix or 'sans extension'} » non pris en charge : formats acceptés {accepted}."
        )
    if not data or not data.strip():
        raise TableError(name, "le fichier est vide.")
    if len(data) > MAX_BYTES:
        raise TableError(
            name,
            f"le fichier pèse {len(data) / 1_048_576:.0f} Mo, au-delà de la limite de "
            f"{MAX_BYTES // 1_048_576} Mo : découpez-le ou compressez ses images.",
        )
    if suffix == ".pdf":
        if not data.lstrip()[:5].startswith(b"%PDF"):
            raise TableError(name, "le fichier porte l'extension .pdf mais n'est pas un PDF valide.")
        result = _pdf_text(name, data)
    elif suffix == ".docx":
        if not data.startswith(b"PK"):
            raise TableError(name, "le fichier porte l'extension .docx mais n'est pas un document Word valide.")
        result = DocumentText(_docx_text(name, data), "docx")
    elif suffix in (".html", ".htm"):
        result = DocumentText(html_text(_decode(name, data)), "html")
    else:
        result = DocumentText(_tidy(_decode(name, data)), "texte")
    if len(re.findall(r"\w", result.text)) < 20:
        raise TableError(name, "le document ne contient pas de texte exploitable (moins de vingt caractères).")
    return result
