"""Uploaded files: stored under ``data_dir/uploads`` within the size limit, type-checked by name and content.

A file is accepted when its suffix is a table format (CSV, Parquet, JSONL) or one of the service's
document types, and when its first bytes agree with that suffix: a binary file named ``.csv`` is
refused. Then its content is validated (tables: types, line and field; documents: the service's
reader), and nothing is kept when anything is wrong.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from fastapi import HTTPException, UploadFile

from iapublique.api.access import check_submission
from iapublique.core.runner import first_data_line, validate_records
from iapublique.core.service import Service
from iapublique.core.store.models import User
from iapublique.core.tables import (
    CSV_SUFFIXES,
    JSONL_SUFFIXES,
    PARQUET_SUFFIXES,
    SUPPORTED,
    TableError,
    read_table,
    write_table,
)
from iapublique.settings import Settings
from iapublique.web.security import BodyTooLarge

CHUNK = 1 << 20
SNIFF = 8192
BINARY_MAGIC = (
    b"PK\x03\x04",  # zip (xlsx, docx, odt…)
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",  # jpeg
    b"\xd0\xcf\x11\xe0",  # old Office
    b"\x1f\x8b",  # gzip
    b"PAR1",
    b"\x7fELF",
    b"MZ",
)
DOCUMENT_MAGIC = {".pdf": (b"%PDF",), ".docx": (b"PK\x03\x04",), ".odt": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",)}
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRefused(HTTPException):
    """An upload refused for its type (415), in French."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(415, f"Fichier « {name} » refusé : {message}")


def accepted_suffixes(service: Service) -> list[str]:
    """File suffixes the service accepts (tables, then its documents)."""
    return sorted(set(SUPPORTED) | {s.lower() for s in service.document_types})


def check_content(name: str, head: bytes, tail: bytes, service: Service) -> None:
    """Refuse a file whose first (and last) bytes contradict its suffix."""
    suffix = Path(name).suffix.lower()
    if suffix not in accepted_suffixes(service):
        raise UploadRefused(
            name,
            f"type « {suffix or 'sans extension'} » non pris en charge ; types acceptés : "
            f"{', '.join(accepted_suffixes(service))}.",
        )
    if suffix in PARQUET_SUFFIXES:
        if not (head.startswith(b"PAR1") and tail.endswith(b"PAR1")):
            raise UploadRefused(name, "ce n'est pas un fichier Parquet valide.")
        return
    if suffix in CSV_SUFFIXES | JSONL_SUFFIXES or suffix == ".txt":
        if b"\x00" in head or head.startswith(BINARY_MAGIC):
            raise UploadRefused(
                name, "le contenu est binaire, pas du texte. Exportez le tableau en CSV (UTF-8) depuis votre tableur."
            )
        return
    magic = DOCUMENT_MAGIC.get(suffix)
    if magic is not None and not head.startswith(magic):
        raise UploadRefused(name, f"le contenu ne correspond pas à un document {suffix}.")


def safe_name(name: str) -> str:
    """A file name safe to store (no folders, no odd characters), keeping its suffix."""
    base = Path(name.replace("\\", "/")).name or "fichier"
    cleaned = SAFE_NAME.sub("_", base).strip("._") or "fichier"
    return cleaned[:120]


async def store_upload(upload: UploadFile, settings: Settings, service: Service) -> Path:
    """Copy an upload under ``data_dir/uploads/<random>/``, enforcing the size limit and the type checks."""
    name = upload.filename or ""
    if not name:
        raise UploadRefused("(sans nom)", "aucun fichier reçu ; choisissez un fichier à déposer.")
    suffix = Path(name).suffix.lower()
    if suffix not in accepted_suffixes(service):
        check_content(name, b"", b"", service)
    limit = settings.max_upload_mb * 1024 * 1024
    folder = Path(settings.data_dir) / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(name)
    size = 0
    head = b""
    tail = b""
    try:
        with open(target, "wb") as out:
            while True:
                chunk = await upload.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge(settings.max_upload_mb)
                if len(head) < SNIFF:
                    head = (head + chunk)[:SNIFF]
                tail = (tail + chunk)[-SNIFF:]
                out.write(chunk)
        if size == 0:
            raise UploadRefused(name, "le fichier est vide.")
        check_content(name, head, tail, service)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


def prepare_upload(path: Path, name: str, service: Service, user: User | None = None) -> tuple[Path, int]:
    """Check an uploaded file completely (TableError on the first problem); return the table to process and its rows.

    With ``user``, the rows must also be ones this user may submit (``Service.may_submit``).

    A document (a suffix of ``service.document_types``) is turned into Record rows by the service and
    saved beside it as Parquet, which is what the job then reads.
    """
    suffix = Path(name).suffix.lower()
    if suffix in SUPPORTED:
        frame = read_table(path, service.Record, name=name)
        if frame.empty:
            raise TableError(name, "le fichier ne contient aucune ligne de données.", line=first_data_line(name))
        validate_records(service, frame, name=name, first_line=first_data_line(name))
        if user is not None:
            check_submission(service, user, frame, name=name, first_line=first_data_line(name))
        return path, len(frame)
    rows = service.read_document(name, path.read_bytes())
    if rows.empty:
        raise TableError(name, "aucun élément n'a pu être lu dans ce document.")
    if user is not None:
        check_submission(service, user, rows, name=name)
    table = path.with_name(path.stem + ".parquet")
    write_table(rows, table)
    return table, len(rows)


def discard(path: Path) -> None:
    """Remove a stored upload and its folder (after a refusal)."""
    shutil.rmtree(path.parent, ignore_errors=True)
