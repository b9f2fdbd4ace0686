"""`wasteroute calendar set|show|clear` on the real database."""

from __future__ import annotations

import json

from cli.main import main


def test_set_show_and_clear(database_url, tenant_id, tmp_path, capsys):
    """A Monday-Saturday calendar from a file with a short Saturday; shown and listed."""
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"weekdays": "mon-sat", "holiday_rule": "saturday_before"}))
    db = ["calendar", "--database-url", database_url]
    assert main([*db, "set", tenant_id, "--file", str(path),
                 "--saturday-shift", "07:00-12:00"]) == 0
    capsys.readouterr()
    assert main([*db, "show", tenant_id, "--fraction", "glass", "--from", "2026-04-25",
                 "--days", "8"]) == 0
    out = capsys.readouterr().out
    assert "from the tenant calendar" in out
    assert "2026-04-25 Sat  07:00-12:00" in out
    assert "2026-04-27" not in out  # King's Day
    assert main([*db, "show", tenant_id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["weekdays"][-1] == "sat"
    assert main([*db, "clear", tenant_id]) == 0
    capsys.readouterr()
    assert main([*db, "show", tenant_id]) == 0
    assert "built-in" in capsys.readouterr().out


def test_bad_input_is_a_clear_error(database_url, tenant_id, capsys):
    """A bad weekday or fraction: exit code 2 and one line naming it; nothing stored."""
    db = ["calendar", "--database-url", database_url]
    assert main([*db, "set", tenant_id, "--weekdays", "mon-funday"]) != 0
    assert "weekdays" in capsys.readouterr().err
    assert main([*db, "set", tenant_id, "--fraction", "compost"]) != 0
    assert "--fraction" in capsys.readouterr().err
    assert main([*db, "set", "no-such-tenant", "--weekdays", "mon-sat"]) != 0
    assert "no tenant" in capsys.readouterr().err
