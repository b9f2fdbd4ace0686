"""Schemathesis over the calendar endpoints only (quick): no 5xx, documented answers."""

from __future__ import annotations

import hypothesis
import pytest
from schemathesis import checks as st_checks

from tests.api.test_fuzz_openapi import SETTINGS, fuzz_callers, fuzz_schema  # noqa: F401

CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance,
          st_checks.content_type_conformance, st_checks.response_schema_conformance]


@pytest.mark.slow
@pytest.mark.parametrize("role", ["planner", "driver"])
def test_calendar_endpoints_conform(fuzz_schema, fuzz_callers, role):  # noqa: F811
    """Generated calendar requests answer as documented, never with a server error."""
    failures, sent = [], 0
    for result in fuzz_schema.get_all_operations():
        operation = result.ok()
        if "/calendar" not in operation.path:
            continue

        @SETTINGS
        @hypothesis.given(case=operation.as_strategy())
        def run(case):
            case.headers = {"Authorization": fuzz_callers[role].headers["Authorization"]}
            case.validate_response(case.call(), checks=CHECKS)

        try:
            run()
            sent += 1
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert sent + len(failures) == 5  # the five calendar operations
    assert failures == [], "\n\n".join(failures)
