"""The audit log: who ran what, on which input (by hash), with which model version — append-only.

Entries are only ever added: the ORM refuses updates and deletions (events on
:class:`~iapublique.core.store.models.AuditEntry`) and the database refuses them too (triggers created
by the initial migration), so even raw SQL cannot rewrite history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iapublique.core.store.models import AppendOnlyError, AuditEntry, User

__all__ = ["AppendOnlyError", "entries", "record"]


def record(
    s: Session,
    action: str,
    *,
    user: User | None = None,
    service_id: str = "",
    input_hash: str = "",
    model_version: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry (flushed at once so it gets its id; committed with the caller's session)."""
    entry = AuditEntry(
        action=action,
        user_id=user.id if user is not None else None,
        user_email=user.email if user is not None else "",
        service_id=service_id,
        input_hash=input_hash,
        model_version=model_version,
        details=dict(details or {}),
    )
    s.add(entry)
    s.flush()
    return entry


def entries(s: Session, *, service_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
    """The latest entries, newest first, optionally for one service."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if service_id is not None:
        query = query.where(AuditEntry.service_id == service_id)
    return list(s.scalars(query))
