"""Web e2e fixtures: the API under uvicorn on a free loopback port (real database), headless
Debian Chromium driven by Selenium, and a seeded tenant (planner, drivers, fleet, containers).

Chromium and its driver come from `scripts/install-browser.sh`; a missing browser fails the
test with that hint, never skips. Screenshots go to artifacts/screenshots/ (kept by CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LOGS = ROOT / "artifacts" / "web-logs"  # the API's and the planning worker's output
CHROMIUM = os.environ.get("WASTEROUTE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("WASTEROUTE_CHROMEDRIVER", "/usr/bin/chromedriver")
HOW_TO_INSTALL = "install Debian's chromium and chromium-driver with `scripts/install-browser.sh`"
JWT_SECRET = "web-e2e-secret-" + "x" * 40
PASSWORD = "correct horse battery staple"
TABLET = (1280, 800)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def reports_dir(tmp_path_factory) -> Path:
    """The server's API_REPORTS_DIR: a test writes `<tenant_id>/*.html` into it."""
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="session")
def server_url(database_url: str, reports_dir: Path) -> Iterator[str]:
    """`uvicorn api.app:create_app` in its own process, on the session's database."""
    port = _free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / "uvicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "API_JWT_SECRET": JWT_SECRET,
        "API_LOGIN_MAX_FAILURES": "50",
        "API_REPORTS_DIR": str(reports_dir),
    }
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the API did not start:\n{log_path.read_text()[-3000:]}", pytrace=False
                )
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def plan_worker(database_url: str, server_url: str) -> Iterator[subprocess.Popen]:
    """`wasteroute worker` taking the planning jobs that POST /v1/plans queues."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / "worker.log"
    script = Path(sys.executable).with_name("wasteroute")
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONFAULTHANDLER": "1"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(script), "worker", "--queues", "planning", "--concurrency", "2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    time.sleep(0.5)
    if proc.poll() is not None:
        pytest.fail(
            f"the planning worker did not start:\n{log_path.read_text()[-3000:]}", pytrace=False
        )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def chromium_paths() -> tuple[str, str]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            pytest.fail(f"{path} not found: {HOW_TO_INSTALL}", pytrace=False)
    return CHROMIUM, CHROMEDRIVER


def new_browser(
    chromium_paths: tuple[str, str],
    profile: Path,
    size: tuple[int, int] = TABLET,
    lang: str = "en-GB",
):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium_paths
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--lang={lang}",
        f"--window-size={size[0]},{size[1]}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browser_factory(chromium_paths, tmp_path) -> Iterator:
    """Make browsers (each with a fresh profile); all are closed after the test."""
    browsers = []

    def make(size: tuple[int, int] = TABLET, lang: str = "en-GB"):
        driver = new_browser(chromium_paths, tmp_path / f"profile-{len(browsers)}", size, lang)
        browsers.append(driver)
        return driver

    yield make
    for b in browsers:
        b.quit()


@pytest.fixture
def shot(request) -> Iterator:
    """shot(browser, step): save a PNG to artifacts/screenshots/<test>-<step>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("[", "-").replace("]", "")

    def take(browser, step: str) -> Path:
        path = SCREENSHOTS / f"{name}-{step}.png"
        browser.save_screenshot(str(path))
        return path

    return take


@dataclass
class Tenant:
    """A seeded tenant: its planner, drivers (one per vehicle) and containers."""

    id: str
    planner: str
    drivers: dict[int, str] = field(default_factory=dict)  # vehicle id -> username
    vehicles: list[dict] = field(default_factory=list)
    containers: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)


@pytest.fixture
def seed(server_url: str, db) -> Iterator:
    """seed(n_containers, ...) -> Tenant: a tenant built through the API (and readings by SQL)."""
    from tests.web.seeding import seed_tenant

    def make(n_containers: int = 12, **kwargs) -> Tenant:
        return seed_tenant(server_url, db, n_containers, **kwargs)

    yield make
