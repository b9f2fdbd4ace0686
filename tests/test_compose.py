"""docker-compose.yml: Docker cannot run here, so its structure is checked instead."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_the_four_services_with_healthchecks():
    """timescaledb, mosquitto, ingest and api exist, each with a healthcheck."""
    services = load_compose()["services"]
    for name in ("timescaledb", "mosquitto", "ingest", "api"):
        assert name in services, name
        assert "healthcheck" in services[name], name
    assert services["timescaledb"]["image"].startswith("timescale/timescaledb")
    assert services["mosquitto"]["image"].startswith("eclipse-mosquitto")


def test_compose_holds_no_secrets():
    """Passwords and secrets are required variables (${X:?...}), never literal values."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for match in re.finditer(r"^\s+([A-Z_]*(?:PASSWORD|SECRET)[A-Z_]*):\s+(\S+)", text, re.M):
        assert match.group(2).startswith("${") and ":?" in match.group(2), match.group(0)
    for url in re.findall(r"postgresql://[^\s]+", text):
        assert "${POSTGRES_PASSWORD:?" in url, url


def test_app_services_wait_for_healthy_dependencies():
    """ingest waits for mosquitto and the migration; the migration waits for a healthy database."""
    services = load_compose()["services"]
    assert services["ingest"]["depends_on"]["mosquitto"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["timescaledb"]["condition"] == "service_healthy"
    assert services["ingest"]["command"][:2] == ["wasteroute", "ingest"]
    assert services["api"]["command"][:2] == ["wasteroute", "api"]
