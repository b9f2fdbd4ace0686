"""The planning job queue (procrastinate on the real PostgreSQL): workers, retries, schedule."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from api.jobs import (
    build_app,
    due_schedules,
    ensure_queue_schema,
    queue_plan,
    recent_jobs,
    run_worker,
)
from storage import plans as plans_store
from storage import tenants as tenants_store

from .conftest import NOW, PLAN_DATE
from .probe_worker import build_probe_app

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(url: str, name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.api_planning.probe_worker", url, name],
                            cwd=ROOT)


@pytest.fixture
def probe_runs(db):
    """The probe workers' log table, dropped afterwards (it is no tenant-owned table)."""
    db.execute("CREATE TABLE probe_runs (job_id bigint, n int, worker text, attempt int)")
    yield
    db.execute("DROP TABLE probe_runs")


def test_two_workers_never_run_the_same_job_twice(db, database_url, probe_runs):
    """40 jobs, two worker processes racing for them: every job runs exactly once."""
    ensure_queue_schema(database_url)
    app = build_probe_app(database_url)
    with app.open():
        ids = [app.tasks["probe"].defer(n=n) for n in range(40)]
    workers = [_start_worker(database_url, f"w{k}") for k in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    runs = db.execute("SELECT job_id, count(*) AS c FROM probe_runs GROUP BY job_id").fetchall()
    assert sorted(r["job_id"] for r in runs) == sorted(ids)
    assert max(r["c"] for r in runs) == 1
    statuses = db.execute("SELECT status, count(*) AS c FROM procrastinate_jobs"
                          " WHERE id = ANY(%s) GROUP BY status", (ids,)).fetchall()
    assert {r["status"]: r["c"] for r in statuses} == {"succeeded": 40}


def test_a_failed_job_is_retried(db, database_url, probe_runs):
    """A job that fails on its first attempt is retried and then succeeds."""
    ensure_queue_schema(database_url)
    app = build_probe_app(database_url)
    with app.open():
        job_id = app.tasks["probe"].defer(n=999, fail_first=True)
    assert _start_worker(database_url, "retry").wait(timeout=120) == 0
    attempts = [r["attempt"] for r in db.execute(
        "SELECT attempt FROM probe_runs WHERE job_id = %s ORDER BY attempt", (job_id,))]
    job = db.execute("SELECT status, attempts FROM procrastinate_jobs WHERE id = %s",
                     (job_id,)).fetchone()
    assert attempts == [0, 1]
    assert (job["status"], job["attempts"]) == ("succeeded", 2)


def test_a_queued_plan_job_is_run_by_a_worker_and_stores_the_plan(db, database_url, tenant_id,
                                                                   seeded):
    """queue_plan + a worker: the plan is stored and the job is reported as succeeded."""
    ensure_queue_schema(database_url)
    app = build_app(database_url)
    with app.open():
        job_id = queue_plan(app, tenant_id, PLAN_DATE, "residual", time_limit_s=2.0)
        again = queue_plan(app, tenant_id, PLAN_DATE, "residual", time_limit_s=2.0)
    assert job_id is not None and again is None  # queued once only
    run_worker(database_url, queues=["planning"], wait=False)
    [job] = recent_jobs(db, tenant_id)
    assert (job["id"], job["status"]) == (job_id, "succeeded")
    [plan] = plans_store.list_plans(db, tenant_id)
    assert plan["trigger"] == "api" and plan["containers_seen"] == len(seeded)


def test_the_schedule_is_due_once_after_the_local_planning_time(db, tenant_id):
    """05:00 Europe/Amsterdam: not due at 04:30 local, due at 05:10, not again once claimed."""
    tenants_store.set_plan_schedule(db, tenant_id, local_time=time(5, 0))
    before = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 04:30 in Amsterdam (UTC+1)
    after = datetime(2026, 11, 24, 4, 10, tzinfo=UTC)
    mine = lambda now: [d for d in due_schedules(db, now) if d.tenant_id == tenant_id]  # noqa: E731
    assert mine(before) == []
    [due] = mine(after)
    assert due.plan_date == NOW.date()
    assert tenants_store.claim_schedule_run(db, tenant_id, due.plan_date) is True
    assert tenants_store.claim_schedule_run(db, tenant_id, due.plan_date) is False
    assert mine(after) == []


def test_the_schedule_tick_queues_the_day_once_and_a_worker_plans_it(db, database_url,
                                                                     tenant_id, seeded):
    """At 04:30 local a tenant scheduled for 04:00 gets its plan job queued (once, however
    often the tick runs), and a worker stores the plan with trigger 'schedule'."""
    import asyncio
    from types import SimpleNamespace

    from api.jobs import schedule_tick

    ensure_queue_schema(database_url)
    tenants_store.set_plan_schedule(db, tenant_id, local_time=time(4, 0), time_limit_s=2.0)
    tick_at = int(datetime(2026, 11, 24, 3, 30, tzinfo=UTC).timestamp())  # 04:30 Amsterdam
    app = build_app(database_url)

    async def tick_twice() -> None:
        async with app.open_async():
            ctx = SimpleNamespace(app=app, additional_context={"database_url": database_url})
            await schedule_tick(ctx, tick_at)
            await schedule_tick(ctx, tick_at)

    asyncio.run(tick_twice())
    [job] = recent_jobs(db, tenant_id)  # queued once, although the tick ran twice
    assert job["args"]["plan_date"] == "2026-11-24"
    run_worker(database_url, queues=["planning"], wait=False)
    [plan] = plans_store.list_plans(db, tenant_id)
    assert (plan["trigger"], str(plan["plan_date"])) == ("schedule", "2026-11-24")


def test_plan_jobs_retry_transient_failures_but_not_input_errors():
    """A crash is retried (3 attempts); 'no vehicle carries this fraction' fails at once."""
    from types import SimpleNamespace

    from api.jobs import RETRY
    from planning.problem import PlanningInputError

    first, third = SimpleNamespace(attempts=1), SimpleNamespace(attempts=3)
    assert RETRY.get_retry_decision(exception=RuntimeError("db went away"), job=first)
    assert RETRY.get_retry_decision(exception=RuntimeError("again"), job=third) is None
    assert RETRY.get_retry_decision(exception=PlanningInputError("no vehicle"), job=first) is None
