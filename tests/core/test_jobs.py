"""Jobs on huey: inline runs, failures, atomic outputs, recovery of jobs orphaned by a dead worker."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from toy_service import SlowToyService, ToyService

from iapublique.core import accounts, audit, jobs, models_registry, runner
from iapublique.core.store.db import init_db, session_scope
from iapublique.core.store.models import Job, StoredModel, User
from iapublique.core.tables import write_table
from iapublique.settings import Settings, get_settings

CORE_TESTS = Path(__file__).parent


def _upload(service: ToyService, size: int, name: str = "depot.csv") -> Path:
    """A CSV stored under data_dir/uploads, as the web and API layers do."""
    records = service.demo_batch(size).rename(columns={"ident": "identifiant"})
    return write_table(records, get_settings().data_dir / "uploads" / name)


def _agent(s: Session) -> User:
    return accounts.create_user(s, "agent@essai.fr", "0123456789", administrations=["ESSAI"])


def test_job_runs_to_done_with_events_audit_and_exports(
    db: Session, toy_service: ToyService, toy_model: StoredModel
) -> None:
    """An inline job ends done with the same results as the runner, its events, audit and CSV export."""
    agent = _agent(db)
    path = _upload(toy_service, 80)
    job = jobs.submit(db, toy_service, user=agent, input_path=path, input_name="depot.csv")
    assert job.status == "done", job.error
    assert (job.done, job.total, job.attempts, job.model_version) == (80, 80, 1, toy_model.version)
    assert Path(job.output_path) == get_settings().data_dir.resolve() / "jobs" / str(job.id) / "resultats.parquet"
    result = pd.read_parquet(jobs.output_file(job))
    expected = runner.score(toy_service, pd.read_csv(path, sep=";", encoding="utf-8-sig"))
    pd.testing.assert_frame_equal(result, expected, check_dtype=False)
    kinds = [e.kind for e in jobs.events(db, job.id)]
    assert kinds[:2] == ["queued", "started"] and kinds[-1] == "done"
    actions = [(e.action, e.user_email) for e in audit.entries(db, service_id="toy")]
    assert ("submit", "agent@essai.fr") in actions and ("run", "agent@essai.fr") in actions
    csv_path = jobs.output_file(job, "csv")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    assert [j.id for j in jobs.list_jobs(db, service_id="toy", user=agent)] == [job.id]
    jobs.execute(job.id)  # a duplicate queue message must not run the job again
    db.refresh(job)
    assert (job.status, job.attempts) == ("done", 1)


def test_bad_input_fails_with_located_french_error_and_no_output(
    db: Session, toy_service: ToyService, toy_model: StoredModel
) -> None:
    """A job on a file with an aberrant value fails, naming file, line and field; no output remains."""
    records = toy_service.demo_batch(20).rename(columns={"ident": "identifiant"})
    records.loc[6, "x2"] = 5000.0
    path = write_table(records, get_settings().data_dir / "uploads" / "x.csv")
    job = jobs.submit(db, toy_service, user=None, input_path=path, input_name="releve.csv")
    assert job.status == "failed"
    assert "releve.csv" in job.error and "ligne 8" in job.error and "x2" in job.error
    assert not Path(job.output_path).parent.exists() or not any(Path(job.output_path).parent.iterdir())
    with pytest.raises(ValueError, match="pas terminé"):
        jobs.output_file(job)
    assert "run_failed" in [e.action for e in audit.entries(db)]


def test_job_without_model_fails_with_training_hint(db: Session, toy_service: ToyService) -> None:
    """Submitting before any model exists fails the job with the command that fixes it."""
    job = jobs.submit(db, toy_service, user=None, input_path=_upload(toy_service, 5), input_name="a.csv")
    assert job.status == "failed" and "iapublique train toy" in job.error


def _orphan(s: Session, service: ToyService, *, attempts: int, heartbeat_age_s: float) -> Job:
    """A job left 'running' by a worker, with a (partial) output file beside it."""
    old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=heartbeat_age_s)
    job = Job(
        service_id=service.info.id,
        service_ref="toy_service:ToyService",
        status="running",
        attempts=attempts,
        input_name="depot.csv",
        input_path=str(_upload(service, 30).resolve()),
        started_at=old,
        heartbeat_at=old,
    )
    s.add(job)
    s.flush()
    job.output_path = str(jobs.job_dir(job.id) / jobs.OUTPUT_NAME)
    Path(job.output_path).parent.mkdir(parents=True)
    Path(job.output_path).with_name(".resultats.parquet.partial").write_bytes(b"PAR1 incomplet")
    s.commit()
    return job


def test_recover_stale_requeues_once_then_fails_and_spares_live_jobs(
    db: Session, toy_service: ToyService, toy_model: StoredModel
) -> None:
    """A stale first attempt is rerun (to done, inline); a stale second attempt fails; a live job is untouched."""
    first = _orphan(db, toy_service, attempts=1, heartbeat_age_s=600)
    second = _orphan(db, toy_service, attempts=2, heartbeat_age_s=600)
    live = _orphan(db, toy_service, attempts=1, heartbeat_age_s=1)
    assert sorted(jobs.recover_stale(db, stale_after=60)) == [first.id, second.id]
    for job in (first, second, live):
        db.refresh(job)
    assert (first.status, first.attempts) == ("done", 2)
    assert len(pd.read_parquet(first.output_path)) == 30
    assert second.status == "failed" and "interrompu" in second.error
    assert not any(Path(second.output_path).parent.iterdir())
    assert live.status == "running"
    assert "requeued" in [e.kind for e in jobs.events(db, first.id)]


def _wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"délai dépassé : {what}")


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    code = "from iapublique.core.jobs import run_worker; run_worker()"
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=30)


def test_worker_killed_mid_job_leaves_no_output_and_the_job_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_settings: Settings
) -> None:
    """A real huey consumer is SIGKILLed mid-job: the job is not done, no result file exists; recovery
    requeues it and a new consumer completes it with the full, correct output."""
    monkeypatch.setenv("IAPUBLIQUE_JOBS_IMMEDIATE", "false")
    get_settings.cache_clear()
    jobs.reset()
    init_db()
    service = SlowToyService()
    models_registry.ensure_demo_model(service)
    path = _upload(service, 150)  # 15 slow chunks of 10 rows, 0.2 s each
    with session_scope() as s:
        job_id = jobs.submit(s, service, user=None, input_path=path, input_name="depot.csv").id

    def state() -> Job:
        with session_scope() as s:
            job = s.get(Job, job_id)
            assert job is not None
            return job

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(CORE_TESTS), os.environ.get("PYTHONPATH", "")])}
    log = tmp_path / "worker.log"
    worker = _start_worker(env, log)
    try:
        _wait_for(lambda: state().status == "running" and state().done >= 20, 90, "le travail démarre")
    finally:
        _stop(worker, signal.SIGKILL)
    killed = state()
    output = Path(killed.output_path)
    assert killed.status == "running" and killed.done < 150, log.read_text()
    assert not output.exists()

    time.sleep(0.3)
    with session_scope() as s:
        assert jobs.recover_stale(s, stale_after=0.2) == [job_id]
    assert (state().status, state().attempts) == ("queued", 1)
    assert not any(p.name.endswith(".partial") for p in output.parent.glob(".*"))

    worker = _start_worker(env, log)
    try:
        _wait_for(lambda: state().status in ("done", "failed"), 90, "le travail repris se termine")
    finally:
        _stop(worker, signal.SIGINT)
    final = state()
    assert (final.status, final.attempts, final.done) == ("done", 2, 150), final.error + log.read_text()
    with session_scope() as s:
        kinds = [e.kind for e in jobs.events(s, job_id)]
        statuses = list(s.scalars(select(Job.status)))
    assert kinds.count("started") == 2 and "requeued" in kinds and kinds[-1] == "done"
    assert statuses == ["done"]
    result = pd.read_parquet(output)
    assert len(result) == 150 and result["ident"].is_unique
