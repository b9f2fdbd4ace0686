"""Schemathesis over the OpenAPI schema, in-process (ASGI), as a planner and as a driver.

Positive requests (valid by the schema) must answer without a server error, with a
documented status code, content type and a body that matches the schema. Negative requests
(schemathesis breaks the schema on purpose: wrong types, out-of-range values, missing
fields) must be refused with a 4xx (`negative_data_rejection`) and never a server error.
The last test checks enough requests ran (at least 2,000 in all, none a server error).
Runs in the normal suite (`-m slow` marks it; CI runs slow tests). A longer run:
`WASTEROUTE_FUZZ_EXAMPLES=100 WASTEROUTE_FUZZ_NEGATIVE_EXAMPLES=100 pytest -s
tests/api/test_fuzz_openapi.py` (docs/benchmarks.md).
"""

from __future__ import annotations

import os

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

from domain import GeoPoint, Vehicle
from storage import fleet
from tests.api.conftest import make_tenant, make_user
from tests.api.helpers import new_container, new_device

EXAMPLES_PER_OPERATION = int(os.environ.get("WASTEROUTE_FUZZ_EXAMPLES", "25"))
NEGATIVE_EXAMPLES_PER_OPERATION = int(os.environ.get("WASTEROUTE_FUZZ_NEGATIVE_EXAMPLES", "10"))
CHECKS = {
    GenerationMode.POSITIVE: [
        st_checks.not_a_server_error,
        st_checks.status_code_conformance,
        st_checks.content_type_conformance,
        st_checks.response_schema_conformance,
        st_checks.response_headers_conformance,
    ],
    GenerationMode.NEGATIVE: [
        st_checks.not_a_server_error,
        st_checks.negative_data_rejection,
        st_checks.content_type_conformance,
    ],
}
SENT: dict[str, int] = {
    "planner": 0,
    "driver": 0,
    "negative": 0,
    "negative_4xx": 0,
    "server_errors": 0,
    "operations_without_invalid_input": 0,
}


@pytest.fixture(scope="module")
def fuzz_schema(client):
    """The app's own schema (the session's TestClient has opened its pool).

    Schemathesis runs the app's lifespan itself, which replaces (and at its end closes) the
    pool in `app.state`; the session's pool and job queue are put back afterwards, so the
    tests after these still have a database."""
    state = client.app.state
    saved = (state.pool, state.jobs, state.db_slots)
    yield schemathesis.openapi.from_asgi("/openapi.json", client.app)
    state.pool, state.jobs, state.db_slots = saved


@pytest.fixture(scope="module")
def fuzz_callers(client, database_url):
    """A tenant with a planner and a driver (with a vehicle), and a few objects to find."""
    from storage import connect

    with connect(database_url, autocommit=True) as db:
        tid = make_tenant(db)
        planner = make_user(client, db, tid, "planner")
        depot = fleet.add_depot(db, tid, "fuzz depot", GeoPoint(51.9, 4.4))
        vehicle = fleet.add_vehicle(
            db,
            tid,
            Vehicle(
                id=0,
                tenant_id=tid,
                name="fuzz truck",
                depot_id=depot.id,
                capacity_l=20000,
                capacity_kg=9000,
            ),
        )
        driver = make_user(client, db, tid, "driver", vehicle_id=vehicle.id)
        c = new_container(client, planner.headers)
        new_device(client, planner.headers, c["id"])
        yield {"planner": planner, "driver": driver}
        db.execute("DELETE FROM login_attempts WHERE client_ip = 'testclient' OR NOT succeeded")
        db.execute("DELETE FROM login_throttle WHERE subject LIKE '%%testclient'")


SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


def _fuzz_as(
    schema, caller, role: str, mode: GenerationMode = GenerationMode.POSITIVE
) -> list[str]:
    """Run every operation's strategy; return one line per failing operation."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        settings = SETTINGS
        if mode == GenerationMode.NEGATIVE:
            settings = hypothesis.settings(SETTINGS, max_examples=NEGATIVE_EXAMPLES_PER_OPERATION)

        @settings
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            case.headers = {
                k: v
                for k, v in (case.headers or {}).items()
                if k.lower() not in ("authorization", "x-api-key")
            }
            case.headers["Authorization"] = caller.headers["Authorization"]
            SENT[role] += 1
            SENT["negative"] += mode == GenerationMode.NEGATIVE
            response = case.call()
            if response.status_code >= 500:
                SENT["server_errors"] += 1
            SENT["negative_4xx"] += mode == GenerationMode.NEGATIVE and response.status_code < 500
            case.validate_response(response, checks=CHECKS[mode])

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            # nothing in this operation can be made invalid (no parameters, no body)
            SENT["operations_without_invalid_input"] += 1
        except Exception as exc:  # collect, so one run reports every failing operation
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    return failures


@pytest.mark.slow
def test_api_conforms_to_its_schema_as_planner(fuzz_schema, fuzz_callers):
    """Generated requests as a planner: no 5xx, documented status, content type and body."""
    failures = _fuzz_as(fuzz_schema, fuzz_callers["planner"], "planner")
    assert failures == [], "\n\n".join(failures)


@pytest.mark.slow
def test_api_conforms_to_its_schema_as_driver(fuzz_schema, fuzz_callers):
    """The same as a driver (many answers are 403 or 404, none 5xx)."""
    failures = _fuzz_as(fuzz_schema, fuzz_callers["driver"], "driver")
    assert failures == [], "\n\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["planner", "driver"])
def test_invalid_requests_are_refused(fuzz_schema, fuzz_callers, role):
    """Requests that break the schema: a 4xx each (negative_data_rejection), never a 5xx."""
    failures = _fuzz_as(fuzz_schema, fuzz_callers[role], role, GenerationMode.NEGATIVE)
    assert failures == [], "\n\n".join(failures)


@pytest.mark.slow
def test_fuzzing_sent_enough_requests():
    """At least 2,000 generated requests over both roles, none a server error, and no
    invalid request accepted."""
    print(f"schemathesis: {SENT}")
    assert SENT["planner"] + SENT["driver"] >= 2000, SENT
    assert SENT["negative"] >= 500, SENT
    assert SENT["server_errors"] == 0
