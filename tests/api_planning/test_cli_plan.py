"""`wasteroute plan` and `wasteroute plans` on the real database."""

from __future__ import annotations

from cli.main import main
from storage import plans as plans_store

from .conftest import NOW, PLAN_DATE


def test_plan_command_prints_the_summary_and_publishes(db, database_url, tenant_id, seeded, capsys):
    """The summary names containers seen, must/optional/skipped, vehicles, km, hours, solve
    time; --publish publishes the stored version."""
    code = main(["plan", "--database-url", database_url, "--tenant", tenant_id, "--date",
                 str(PLAN_DATE), "--fraction", "rest", "--time-limit", "2", "--now",
                 NOW.isoformat(), "--publish"])
    out = capsys.readouterr().out
    assert code == 0
    for words in ("containers seen  24", "must / optional / skipped", "vehicles used", " km",
                  " h", "solve time"):
        assert words in out
    [plan] = plans_store.list_plans(db, tenant_id)
    assert plan["status"] == "published"


def test_plan_command_names_an_unknown_tenant(database_url, capsys):
    """An unknown tenant is a one-line user error, exit code 2."""
    code = main(["plan", "--database-url", database_url, "--tenant", "nobody-here", "--date",
                 "2026-11-24"])
    assert code == 2
    assert "tenant 'nobody-here' does not exist" in capsys.readouterr().err


def test_forecast_command_reports_ucifi_names(database_url, tenant_id, seeded, capsys):
    """`wasteroute forecast --json` gives every container fillingLevel, averageFillingSpeed
    and forecastFullDate."""
    import json

    code = main(["forecast", "--database-url", database_url, "--tenant", tenant_id, "--now",
                 NOW.isoformat(), "--json", "--limit", "100"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and len(rows) == len(seeded)
    assert all({"fillingLevel", "averageFillingSpeed", "forecastFullDate"} <= set(r) for r in rows)
    fullest = rows[0]  # seeded at 95% now, rising at most 12 %/day
    assert fullest["fillingLevel"] > 0.9 and 0 < fullest["averageFillingSpeed"] <= 13
    assert fullest["forecastFullDate"] > NOW.isoformat()
