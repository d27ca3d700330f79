"""Shared fixtures: temporary settings and data directory, an initialised database, the toy service."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from toy_service import ToyService

from iapublique.core.engine import SparkEngine
from iapublique.core.store.models import StoredModel
from iapublique.settings import Settings, get_settings

POSTGRES_ENV = "IAPUBLIQUE_TEST_POSTGRES_URL"
CORE_TESTS = Path(__file__).parent / "core"


@pytest.fixture
def tmp_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings on a fresh data directory in ``tmp_path``, jobs run inline, default SQLite database."""
    from iapublique.core import jobs
    from iapublique.core.store import db

    monkeypatch.setenv("IAPUBLIQUE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IAPUBLIQUE_JOBS_IMMEDIATE", "true")
    monkeypatch.delenv("IAPUBLIQUE_DATABASE_URL", raising=False)
    monkeypatch.delenv("IAPUBLIQUE_ENGINE", raising=False)
    get_settings.cache_clear()
    jobs.reset()
    settings = get_settings()
    settings.ensure_dirs()
    yield settings
    db.dispose_engines()
    jobs.reset()
    get_settings.cache_clear()


def _reset_postgres(url: str) -> None:
    """Empty the test PostgreSQL database (the audit triggers forbid DELETE, so drop the schema)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


_BACKENDS = ["sqlite"] + (
    [pytest.param("postgres", marks=pytest.mark.postgres)] if os.environ.get(POSTGRES_ENV) else []
)


@pytest.fixture(params=_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database URL of this run: SQLite in the data directory, or the PostgreSQL test server."""
    if request.param == "postgres":
        url = os.environ[POSTGRES_ENV]
        _reset_postgres(url)
        monkeypatch.setenv("IAPUBLIQUE_DATABASE_URL", url)
        get_settings.cache_clear()
        tmp_settings.database_url = url  # fixtures holding this object (apps) must use the same database
    return get_settings().db_url


@pytest.fixture
def db(db_url: str) -> Iterator[Session]:
    """An initialised database (migrations run to head) and a session on it, committed at the end."""
    from iapublique.core.store.db import init_db, session_scope

    init_db()
    with session_scope() as s:
        yield s


@pytest.fixture
def toy_service() -> ToyService:
    """The toy service (logistic regression on two features), importable as ``toy_service:ToyService``."""
    return ToyService()


@pytest.fixture
def toy_model(db: Session, toy_service: ToyService) -> StoredModel:
    """The toy service's default model, trained on its demo data."""
    from iapublique.core import models_registry

    return models_registry.ensure_demo_model(toy_service)


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[SparkEngine]:
    """A SparkEngine on ``local[2]`` for the whole run (skipped without pyspark or Java), stopped at the end."""
    import shutil

    from iapublique.core import engine as engine_module
    from iapublique.core.engine import SparkEngine

    pytest.importorskip("pyspark", reason="pyspark absent : installez l'extra [spark]")
    if shutil.which("java") is None:
        pytest.skip("Java absent : Spark ne peut pas démarrer")
    engine = SparkEngine(master="local[2]", remote="", partitions=3)
    yield engine
    engine.session().stop()
    engine_module._sessions.clear()


REQUIRED_MARKERS = ("spark", "browser", "postgres")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With IAPUBLIQUE_REQUIRE_ALL=1 (CI), the PostgreSQL server must be given (its tests are then collected)."""
    if os.environ.get("IAPUBLIQUE_REQUIRE_ALL") != "1":
        return
    if not os.environ.get(POSTGRES_ENV):
        raise pytest.UsageError(f"IAPUBLIQUE_REQUIRE_ALL=1 mais {POSTGRES_ENV} n'est pas défini.")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With IAPUBLIQUE_REQUIRE_ALL=1 (CI), a Spark, browser or PostgreSQL test that skips is a failure."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    required = any(item.get_closest_marker(m) for m in REQUIRED_MARKERS)
    if report.skipped and required and os.environ.get("IAPUBLIQUE_REQUIRE_ALL") == "1":
        report.outcome = "failed"
        report.longrepr = f"test obligatoire en CI sauté : {report.longrepr}"
