"""End to end on a slice of Amsterdam-Zuid: import, calibrate, trial with replay, current
practice, fixed and the service's policy, and the reports; the same inputs and seed give the
same figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _trial(ws: Path, out: Path) -> dict:
    assert main(["history", "trial", str(ws), "--start", "2021-03-01", "--days", "7",
                 "--workers", "1", "--quiet", "--out", str(out)]) == 0
    return json.loads((out / "trial.json").read_text())


def test_import_calibrate_trial_report(tmp_path, capsys):
    """The four commands a municipality runs produce the calibration, the Dutch and English
    reports and per-day JSON for every strategy; a second run gives the same figures."""
    ws = tmp_path / "ws"
    assert main(["history", "import", "--setup", str(FIXTURES / "zuid-setup"), "--weighings",
                 str(FIXTURES / "zuid-slice-2021q1.csv.gz"), "--out", str(ws)]) == 0
    assert main(["history", "calibrate", str(ws)]) == 0
    calibration = json.loads((ws / "calibration.json").read_text())
    assert calibration["sites"] == 32 and calibration["rows"] == 913
    assert "density" in (ws / "calibration.txt").read_text()
    doc = _trial(ws, tmp_path / "r1")
    names = ["replay", "practice", "fixed", "forecast"]
    assert list(doc["summary"]) == names
    assert len(doc["per_day"]) == 7 and all(set(names) <= set(d) for d in doc["per_day"])
    assert sum(d["replay"]["collections"] for d in doc["per_day"]) == doc["summary"]["replay"][
        "collections"] and all("route_h" in d["forecast"] for d in doc["per_day"])
    assert doc["summary"]["replay"]["collections"] > 0
    assert doc["assumptions"]["distances"].startswith("straight lines")
    assert doc["assumptions"]["replay_collected_over_recorded"] == pytest.approx(
        doc["summary"]["replay"]["kg_collected"] / doc["assumptions"]["recorded_kg"], abs=1e-3)
    nl = (tmp_path / "r1" / "report-nl.html").read_text()
    en = (tmp_path / "r1" / "report-en.html").read_text()
    assert "Proef op eigen historie" in nl and "vulgraad bij legen" in nl
    assert "own history" in en and "<svg" in en and "density_kg_per_l" in en
    again = _trial(ws, tmp_path / "r2")
    timings = ("solve_s", "select_s")  # the only figures that may differ between two runs
    for name in names:
        for key in timings:
            del again["summary"][name][key], doc["summary"][name][key]
    assert again["summary"] == doc["summary"] and again["per_day"] == doc["per_day"]
    out = capsys.readouterr().out
    assert "imported into" in out and "reports:" in out
