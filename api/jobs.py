"""Planning jobs on a PostgreSQL job queue (procrastinate): daily plans per tenant, retried.

- `plan_fraction_job(tenant_id, plan_date, fraction, ...)`: plan one tenant, day and fraction
  (queue "planning"). Up to 3 attempts, 30 s apart (input errors such as "no vehicle" are not
  retried); a job that still fails stays `failed` in `procrastinate_jobs` and is logged at
  ERROR with its traceback (`wasteroute plans jobs` lists jobs with status and attempts).
  It holds the procrastinate lock "plan:{tenant}:{date}:{fraction}", so two jobs for the same
  plan never run at once, and a queueing lock of the same name, so it is queued only once.
- `schedule_tick`: a procrastinate periodic task, every 5 minutes (queue "scheduler"). For
  each tenant whose local planning time (storage.tenants.PlanSchedule, e.g. 05:00
  Europe/Amsterdam) has passed today and whose day is not yet queued, it queues one plan job
  per fraction, then records the day (plan_schedule_runs), so each day is queued once.

Any number of workers (`wasteroute worker`, on any machine) take jobs; procrastinate fetches
each job with `FOR UPDATE SKIP LOCKED`, so no job runs twice. Periodic deferral is
deduplicated by procrastinate across workers too.

Public API: `build_app(database_url) -> procrastinate.App`, `ensure_queue_schema(url)`,
`queue_plan(app, tenant_id, plan_date, fraction, ...)`, `run_worker(url, ...)`,
`due_schedules(conn, now)`, `recent_jobs(conn, tenant_id)`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import procrastinate
import psycopg
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from procrastinate.schema import SchemaManager

from storage import connect
from storage import containers as containers_store
from storage import fleet as fleet_store
from storage import tenants as tenants_store

log = logging.getLogger(__name__)

_SCHEMA_LOCK = 7_401_055_002
PLAN_TASK = "wasteroute.plan_fraction"
TICK_TASK = "wasteroute.schedule_tick"


class PlanRetry(BaseRetryStrategy):
    """Retry a failed plan job up to 3 attempts, about 30 s apart, unless the failure is in
    the input (no vehicle, unknown tenant): retrying those cannot help, so they fail at once
    and are reported."""

    def __init__(self, max_attempts: int = 3, wait_s: int = 30) -> None:
        self.inner = procrastinate.RetryStrategy(max_attempts=max_attempts, wait=wait_s)

    def get_retry_decision(self, *, exception: BaseException, job) -> RetryDecision | None:
        from planning.problem import PlanningInputError
        from storage import NotFound

        if isinstance(exception, (PlanningInputError, NotFound)):
            return None
        return self.inner.get_retry_decision(exception=exception, job=job)


RETRY = PlanRetry()


def plan_fraction_job(context: procrastinate.JobContext, tenant_id: str, plan_date: str,
                      fraction: str, time_limit_s: float = 30.0, publish: bool = False,
                      trigger: str = "schedule") -> dict:
    """Plan one tenant, day and fraction; publish it if asked. Returns a summary."""
    from api.planning import PlanSettings, plan_fraction
    from api.planning import publish as publish_plan
    from domain import Fraction

    url = context.additional_context["database_url"]
    job = context.job
    try:
        with connect(url, autocommit=True) as conn:
            outcome = plan_fraction(conn, tenant_id, date.fromisoformat(plan_date),
                                    Fraction(fraction), PlanSettings(time_limit_s=time_limit_s),
                                    trigger=trigger)
            if publish:
                publish_plan(conn, tenant_id, outcome.plan_id)
    except Exception:
        log.exception("plan job %s (%s %s %s) failed on attempt %s", job.id, tenant_id,
                      plan_date, fraction, job.attempts + 1)
        raise
    return {"plan_id": outcome.plan_id, "version": outcome.version, "status": outcome.status,
            "counts": outcome.counts, "distance_m": outcome.distance_m}


async def schedule_tick(context: procrastinate.JobContext, timestamp: int) -> int:
    """Queue the plan jobs of every tenant whose planning time has come. Returns how many."""
    url = context.additional_context["database_url"]
    now = datetime.fromtimestamp(timestamp, UTC)
    due = await asyncio.to_thread(_due, url, now)
    queued = 0
    for item in due:
        for fraction in item.fractions:
            queued += await _defer_async(context.app, item.tenant_id, item.plan_date, fraction,
                                         item.time_limit_s, item.auto_publish)
        await asyncio.to_thread(_claim, url, item.tenant_id, item.plan_date)
    return queued


@dataclass(frozen=True, slots=True)
class DueSchedule:
    tenant_id: str
    plan_date: date
    fractions: tuple[str, ...]
    time_limit_s: float
    auto_publish: bool


def due_schedules(conn: psycopg.Connection, now: datetime) -> list[DueSchedule]:
    """Tenants whose local planning time has passed today and whose day is not yet queued,
    with the fractions they have containers of and a vehicle for."""
    out = []
    for s in tenants_store.list_plan_schedules(conn):
        if not s.enabled:
            continue
        local = now.astimezone(ZoneInfo(s.timezone))
        if local.time() < s.local_time:
            continue
        plan_date = local.date() + timedelta(days=s.day_offset)
        done = conn.execute("SELECT 1 FROM plan_schedule_runs WHERE tenant_id = %s"
                            " AND plan_date = %s", (s.tenant_id, plan_date)).fetchone()
        if done:
            continue
        fractions = tuple(str(f) for f in containers_store.list_fractions(conn, s.tenant_id)
                          if fleet_store.list_vehicles(conn, s.tenant_id, fraction=f))
        out.append(DueSchedule(s.tenant_id, plan_date, fractions, s.time_limit_s,
                               s.auto_publish))
    return out


def _due(url: str, now: datetime) -> list[DueSchedule]:
    with connect(url, autocommit=True) as conn:
        return due_schedules(conn, now)


def _claim(url: str, tenant_id: str, plan_date: date) -> None:
    with connect(url, autocommit=True) as conn:
        tenants_store.claim_schedule_run(conn, tenant_id, plan_date)


def _lock(tenant_id: str, plan_date: date | str, fraction: str) -> str:
    return f"plan:{tenant_id}:{plan_date}:{fraction}"


async def _defer_async(app, tenant_id, plan_date, fraction, time_limit_s, publish) -> int:
    key = _lock(tenant_id, plan_date, fraction)
    try:
        await app.tasks[PLAN_TASK].configure(lock=key, queueing_lock=key).defer_async(
            tenant_id=tenant_id, plan_date=str(plan_date), fraction=fraction,
            time_limit_s=time_limit_s, publish=publish, trigger="schedule")
    except AlreadyEnqueued:
        return 0
    return 1


def build_app(database_url: str) -> procrastinate.App:
    """The procrastinate app on DATABASE_URL with wasteroute's tasks."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database_url))
    app.task(name=PLAN_TASK, queue="planning", pass_context=True, retry=RETRY)(plan_fraction_job)
    app.periodic(cron="*/5 * * * *")(
        app.task(name=TICK_TASK, queue="scheduler", pass_context=True)(schedule_tick))
    return app


def ensure_queue_schema(database_url: str) -> bool:
    """Create procrastinate's tables if they are missing (idempotent, safe to race).
    Returns True if it created them."""
    with connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
        try:
            exists = conn.execute("SELECT to_regclass('procrastinate_jobs') AS t").fetchone()["t"]
            if exists:
                return False
            conn.execute(SchemaManager.get_schema().encode())
            log.info("created the procrastinate job queue schema")
            return True
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))


def queue_plan(app: procrastinate.App, tenant_id: str, plan_date: date, fraction: str, *,
               time_limit_s: float = 30.0, publish: bool = False,
               trigger: str = "api") -> int | None:
    """Queue one plan job (the app must be open). None if the same plan is already queued."""
    key = _lock(tenant_id, plan_date, fraction)
    task = app.tasks[PLAN_TASK]
    try:
        return task.configure(lock=key, queueing_lock=key).defer(
            tenant_id=tenant_id, plan_date=str(plan_date), fraction=fraction,
            time_limit_s=time_limit_s, publish=publish, trigger=trigger)
    except AlreadyEnqueued:
        return None


def run_worker(database_url: str, *, queues: list[str] | None = None, concurrency: int = 1,
               name: str | None = None, wait: bool = True) -> None:
    """Run a worker until stopped (or, with wait=False, until the queues are empty)."""
    ensure_queue_schema(database_url)
    app = build_app(database_url)
    app.run_worker(queues=queues, concurrency=concurrency, name=name, wait=wait,
                   additional_context={"database_url": database_url})


def recent_jobs(conn: psycopg.Connection, tenant_id: str | None = None,
                limit: int = 20) -> list[dict]:
    """The latest planning jobs (optionally of one tenant), newest first, with status and
    attempts; failed ones are the 'reported' failures."""
    sql = ("SELECT id, task_name, status, attempts, args, scheduled_at,"
           " (SELECT max(at) FROM procrastinate_events e WHERE e.job_id = j.id) AS last_event_at"
           " FROM procrastinate_jobs j WHERE task_name = %s")
    params: list = [PLAN_TASK]
    if tenant_id is not None:
        sql += " AND args->>'tenant_id' = %s"
        params.append(tenant_id)
    sql += " ORDER BY id DESC LIMIT %s"
    params.append(limit)
    return [dict(r) for r in conn.execute(sql, params)]
