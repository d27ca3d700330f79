"""Background batch jobs on huey (SqliteHuey in the data directory; run inline when ``jobs_immediate``).

Life of a job: ``submit`` stores it ``queued`` and enqueues it; a worker claims it atomically
(``queued`` → ``running``), beats a heartbeat while it works, reports progress as events, writes the
output under a temporary name and renames it, then marks it ``done`` (or ``failed`` with a French
message). A worker killed mid-way leaves a ``running`` job whose heartbeat stops: ``recover_stale``
(called when a worker starts, then every minute) requeues it once, then marks it failed, and removes
any partial output, so a job is never silently reported done.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path
from typing import Any

from huey import SqliteHuey, crontab
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from iapublique.core import audit, registry, runner
from iapublique.core.artifacts import ArtifactError, check_name, file_hash
from iapublique.core.engine import load_service, service_ref
from iapublique.core.service import ProgressFn, Service
from iapublique.core.store.db import init_db, session_scope
from iapublique.core.store.models import Job, JobEvent, User
from iapublique.core.tables import TableError, write_table
from iapublique.settings import get_settings

log = logging.getLogger(__name__)

OUTPUT_NAME = "resultats.parquet"
CSV_NAME = "resultats.csv"
HEARTBEAT_S = 2.0
"""Seconds between two heartbeats of a running job."""
STALE_AFTER_S = 60.0
"""A running job whose heartbeat is older than this is taken as orphaned by a dead worker."""
PROGRESS_EVERY_S = 1.0
"""Progress is written to the database at most once per this many seconds."""
MAX_ATTEMPTS = 2
"""A job interrupted by a dead worker is run again once, then marked failed."""

_lock = threading.Lock()
_hueys: dict[tuple[str, bool], tuple[SqliteHuey, Any]] = {}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _huey_and_task() -> tuple[SqliteHuey, Any]:
    """The huey instance for the current settings and its job task, created once per queue file."""
    settings = get_settings()
    path = (settings.data_dir / "huey.db").resolve()
    key = (str(path), settings.jobs_immediate)
    with _lock:
        found = _hueys.get(key)
        if found is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            huey = SqliteHuey("iapublique", filename=str(path), immediate=settings.jobs_immediate, results=False)
            task = huey.task(name="execute_job")(execute)
            huey.periodic_task(crontab(minute="*"), name="recover_stale_jobs")(_recover_periodic)
            found = _hueys[key] = (huey, task)
        return found


def get_huey() -> SqliteHuey:
    """The huey instance for the current settings (queue in ``data_dir/huey.db``, inline when immediate)."""
    return _huey_and_task()[0]


def reset() -> None:
    """Forget the huey instances (tests change the data directory between cases)."""
    with _lock:
        _hueys.clear()


def job_dir(job_id: int) -> Path:
    """Folder of one job's outputs."""
    return get_settings().data_dir / "jobs" / str(job_id)


def _event(s: Session, job_id: int, kind: str, message: str = "", done: int = 0, total: int = 0) -> None:
    s.add(JobEvent(job_id=job_id, kind=kind, message=message, done=done, total=total))


def submit(
    s: Session,
    service: Service,
    *,
    user: User | None,
    input_path: str | Path,
    input_name: str,
    model_name: str = "default",
    engine: str | None = None,
    options: dict[str, Any] | None = None,
) -> Job:
    """Record a job for a file already stored under ``data_dir/uploads`` and enqueue it.

    The session is committed before enqueueing, so the worker (or the inline run in immediate mode)
    sees the job; the returned job is refreshed afterwards.
    """
    check_name(model_name)
    engine = engine or get_settings().engine
    if engine not in ("local", "spark"):
        raise ValueError(f"moteur « {engine} » inconnu : choisissez « local » ou « spark ».")
    path = Path(input_path)
    if not path.is_file():
        raise TableError(input_name, "fichier introuvable.")
    job = Job(
        service_id=service.info.id,
        user_id=user.id if user is not None else None,
        model_name=model_name,
        engine=engine,
        status="queued",
        input_name=input_name,
        input_path=str(path.resolve()),
        input_hash=file_hash(path),
        service_ref=service_ref(service),
        options=dict(options or {}),
        message="En attente d'un processus de travail",
    )
    s.add(job)
    s.flush()
    job.output_path = str((job_dir(job.id) / OUTPUT_NAME).resolve())
    _event(s, job.id, "queued", "Travail en file d'attente")
    audit.record(
        s,
        "submit",
        user=user,
        service_id=service.info.id,
        input_hash=job.input_hash,
        details={"job_id": job.id, "input_name": input_name, "model": model_name, "engine": engine},
    )
    s.commit()
    enqueue(job.id)
    s.refresh(job)
    return job


def enqueue(job_id: int) -> None:
    """Put a job on the huey queue (or run it now in immediate mode)."""
    _huey_and_task()[1](job_id)


def resolve_service(job: Job) -> Service:
    """The service of a job: the registered one, else the class named by its import path."""
    known = registry.services()
    if job.service_id in known:
        return known[job.service_id]
    if not job.service_ref:
        raise registry.UnknownService(f"Service inconnu : « {job.service_id} ».")
    service = load_service(job.service_ref)
    if service.info.id != job.service_id:
        raise registry.UnknownService(f"« {job.service_ref} » n'est pas le service « {job.service_id} ».")
    return service


class _Heartbeat(threading.Thread):
    """Touches the job's heartbeat every ``HEARTBEAT_S`` seconds while the job runs."""

    def __init__(self, job_id: int) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_S):
            try:
                with session_scope() as s:
                    s.execute(
                        update(Job).where(Job.id == self.job_id, Job.status == "running").values(heartbeat_at=_now())
                    )
            except Exception:  # a missed beat is harmless; the next one retries
                log.exception("battement de cœur du travail %s non enregistré", self.job_id)


def _progress_writer(job_id: int) -> ProgressFn:
    """A progress callback writing to the job row and its events at most once per second."""
    last = [0.0]

    def report(done: int, total: int, message: str = "") -> None:
        clock = time.monotonic()
        if clock - last[0] < PROGRESS_EVERY_S and not (total and done >= total):
            return
        last[0] = clock
        with session_scope() as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running")
                .values(done=done, total=total, message=message, heartbeat_at=_now())
            )
            _event(s, job_id, "progress", message, done, total)

    return report


def _remove_outputs(job_id: int) -> None:
    """Delete a job's output files (a failed job keeps no result that could pass for complete)."""
    folder = job_dir(job_id)
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file():
                path.unlink(missing_ok=True)


def execute(job_id: int) -> None:
    """Run one job (the huey task body): claim it, score its input, write its output, record the outcome."""
    now = _now()
    with session_scope() as s:
        claimed = s.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(
                status="running",
                started_at=now,
                heartbeat_at=now,
                attempts=Job.attempts + 1,
                error="",
                message="Traitement en cours",
            )
        )
        if getattr(claimed, "rowcount", 0) != 1:
            log.info("travail %s déjà pris ou terminé : ignoré", job_id)
            return
        job = s.get(Job, job_id)
        assert job is not None
        _event(s, job_id, "started", f"Traitement démarré (tentative {job.attempts})")
    heartbeat = _Heartbeat(job_id)
    heartbeat.start()
    try:
        service = resolve_service(job)
        _remove_outputs(job_id)
        n_rows, version = runner.score_file(
            service,
            job.input_path,
            job.output_path,
            model_name=job.model_name,
            engine=job.engine,
            progress=_progress_writer(job_id),
            input_name=job.input_name,
        )
    except Exception as err:
        heartbeat.stopped.set()
        _remove_outputs(job_id)
        if isinstance(err, TableError | ArtifactError | ValueError | registry.UnknownService):
            message = str(err)
        else:
            log.exception("le travail %s a échoué", job_id)
            message = f"erreur interne pendant le traitement ({type(err).__name__} : {err})."
        _finish(job_id, "failed", error=message)
        return
    finally:
        heartbeat.stopped.set()
    _finish(job_id, "done", rows=n_rows, version=version)


def _finish(job_id: int, status: str, *, error: str = "", rows: int = 0, version: str = "") -> None:
    """Record the end of a job (only if it is still ours: a recovered job is not overwritten)."""
    with session_scope() as s:
        values: dict[str, Any] = {"status": status, "finished_at": _now(), "heartbeat_at": _now(), "error": error}
        if status == "done":
            values.update(done=rows, total=rows, model_version=version, message=f"{rows} lignes traitées")
        else:
            values.update(message="Échec du traitement")
        result = s.execute(update(Job).where(Job.id == job_id, Job.status == "running").values(**values))
        if getattr(result, "rowcount", 0) != 1:
            return
        job = s.get(Job, job_id)
        assert job is not None
        _event(s, job_id, status, error or values["message"], rows, rows)
        user = s.get(User, job.user_id) if job.user_id is not None else None
        audit.record(
            s,
            "run" if status == "done" else "run_failed",
            user=user,
            service_id=job.service_id,
            input_hash=job.input_hash,
            model_version=version,
            details={"job_id": job_id, "rows": rows, "engine": job.engine, "error": error},
        )


def recover_stale(s: Session, *, stale_after: float = STALE_AFTER_S, requeue: bool = True) -> list[int]:
    """Requeue (once) or fail the running jobs whose worker stopped beating; returns their ids.

    Partial or unconfirmed outputs of those jobs are removed. Commits the session before requeueing.
    """
    limit = _now() - dt.timedelta(seconds=stale_after)
    stale = list(
        s.scalars(
            select(Job).where(
                Job.status == "running",
                or_(Job.heartbeat_at < limit, Job.heartbeat_at.is_(None) & (Job.started_at < limit)),
            )
        )
    )
    again: list[int] = []
    for job in stale:
        _remove_outputs(job.id)
        if requeue and job.attempts < MAX_ATTEMPTS:
            job.status = "queued"
            job.message = "Relancé après l'arrêt inattendu du processus de travail"
            _event(s, job.id, "requeued", job.message)
            again.append(job.id)
        else:
            job.status = "failed"
            job.finished_at = _now()
            job.error = (
                f"traitement interrompu : le processus de travail s'est arrêté pendant l'exécution "
                f"(tentative {job.attempts}). Relancez le travail."
            )
            job.message = "Échec du traitement"
            _event(s, job.id, "failed", job.error, job.done, job.total)
        audit.record(
            s,
            "job_recovered",
            service_id=job.service_id,
            input_hash=job.input_hash,
            details={"job_id": job.id, "status": job.status, "attempts": job.attempts},
        )
    s.commit()
    for job_id in again:
        enqueue(job_id)
    return [job.id for job in stale]


def _recover_periodic() -> None:
    """Periodic huey task: recover jobs orphaned by a worker that died while others keep running."""
    with session_scope() as s:
        recover_stale(s)


def get_job(s: Session, job_id: int) -> Job | None:
    """A job by id."""
    return s.get(Job, job_id)


def list_jobs(s: Session, *, service_id: str | None = None, user: User | None = None, limit: int = 100) -> list[Job]:
    """Latest jobs, newest first, optionally for one service and/or one user."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if service_id is not None:
        query = query.where(Job.service_id == service_id)
    if user is not None:
        query = query.where(Job.user_id == user.id)
    return list(s.scalars(query))


def events(s: Session, job_id: int) -> list[JobEvent]:
    """A job's events, oldest first."""
    return list(s.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id)))


def output_file(job: Job, fmt: str = "parquet") -> Path:
    """The result file of a finished job: Parquet as written, or CSV (``;``, UTF-8 BOM) made on demand."""
    if job.status != "done":
        raise ValueError(f"le travail n° {job.id} n'est pas terminé (état : {job.status}).")
    parquet = Path(job.output_path)
    if not parquet.exists():
        raise ValueError(f"le fichier de résultats du travail n° {job.id} est introuvable.")
    if fmt == "parquet":
        return parquet
    if fmt != "csv":
        raise ValueError(f"format « {fmt} » non proposé : choisissez « csv » ou « parquet ».")
    csv_path = parquet.with_name(CSV_NAME)
    if not csv_path.exists() or csv_path.stat().st_mtime_ns < parquet.stat().st_mtime_ns:
        import pandas as pd

        write_table(pd.read_parquet(parquet), csv_path)
    return csv_path


def run_worker(workers: int = 1) -> None:
    """Run the huey consumer in this process: prepare the database, recover orphaned jobs, then consume."""
    settings = get_settings()
    if settings.jobs_immediate:
        raise RuntimeError("IAPUBLIQUE_JOBS_IMMEDIATE est activé : les travaux s'exécutent sans file, pas de worker.")
    settings.ensure_dirs()
    init_db()
    with session_scope() as s:
        recovered = recover_stale(s)
    if recovered:
        log.warning("travaux interrompus repris ou marqués en échec : %s", recovered)
    consumer = get_huey().create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()
