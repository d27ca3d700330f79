"""Storage: migrations on a fresh database, SQLite settings, UTC timestamps, the append-only audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from iapublique.core import audit, registry
from iapublique.core.store.db import get_engine, init_db, session_scope
from iapublique.core.store.models import AppendOnlyError, AuditEntry, Base, Job

EXPECTED_TABLES = {"users", "memberships", "api_tokens", "models", "jobs", "job_events", "feedback", "audit_log"}


def head_revision() -> str:
    """The last revision of the packaged migration chain (there must be exactly one head)."""
    from alembic.script import ScriptDirectory

    from iapublique.core.store.db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"plusieurs têtes de migration : {heads}"
    return heads[0]


def test_migrations_create_every_model_table_and_are_idempotent(db: Session, db_url: str) -> None:
    """The migrations create exactly the tables and columns of the models (the platform's and those of the
    registered services); running them again is a no-op."""
    registry.services()  # services' own models (e.g. litigation_series decisions) join Base.metadata
    init_db()
    inspector = inspect(get_engine())
    assert set(inspector.get_table_names()) >= EXPECTED_TABLES
    for table in Base.metadata.sorted_tables:
        in_db = {c["name"] for c in inspector.get_columns(table.name)}
        assert in_db == {c.name for c in table.columns}, table.name
    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_settings: object) -> None:
    """The default SQLite database is a WAL file in the data directory, with foreign keys enforced."""
    init_db()
    with get_engine().connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_settings.data_dir / "iapublique.db").exists()  # type: ignore[attr-defined]


def test_timestamps_come_back_timezone_aware_utc(db: Session) -> None:
    """Times written in any zone are read back in UTC with their offset (SQLite drops it otherwise)."""
    paris = dt.timezone(dt.timedelta(hours=2))
    job = Job(service_id="x", started_at=dt.datetime(2025, 6, 1, 14, 0, tzinfo=paris))
    db.add(job)
    db.commit()
    db.expunge_all()
    back = db.scalar(select(Job).where(Job.id == job.id))
    assert back is not None and back.started_at is not None
    assert back.started_at.tzinfo is not None
    assert back.started_at == dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def test_session_scope_rolls_back_on_error(db: Session) -> None:
    """A block that raises leaves nothing behind."""
    with pytest.raises(RuntimeError), session_scope() as s:
        s.add(Job(service_id="annule"))
        s.flush()
        raise RuntimeError("boom")
    assert db.scalar(select(Job).where(Job.service_id == "annule")) is None


def test_audit_log_is_append_only_in_orm_and_in_database(db: Session) -> None:
    """Entries can be added; ORM updates/deletes are refused, and raw SQL is refused by triggers."""
    entry = audit.record(db, "run", service_id="toy", input_hash="abc", model_version="v1", details={"rows": 3})
    db.commit()
    assert [e.action for e in audit.entries(db)] == ["run"]

    entry.action = "falsifié"
    with pytest.raises(AppendOnlyError):
        db.flush()
    db.rollback()

    db.delete(entry)
    with pytest.raises(AppendOnlyError):
        db.flush()
    db.rollback()

    for statement in ("UPDATE audit_log SET action = 'falsifié'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="ajout seul"):
            db.execute(text(statement))
        db.rollback()

    with session_scope() as s:
        rows = list(s.scalars(select(AuditEntry)))
        assert [(r.action, r.input_hash, r.details) for r in rows] == [("run", "abc", {"rows": 3})]
