"""The demo as a new user meets it (issue 20, "how we will know"): `wasteroute demo` started
without a terminal on its embedded defaults keeps the API and a planning worker running; the
planner's dashboard opens on a date with a plan, makes tomorrow's plan within the solver time
plus 30 s and draws each route in its own colour with a legend; the driver the demo names
sees today's route with at least one stop and no overlapping stop numbers; in Dutch no
English is left; without map tiles an offline base map shows where things are; SIGTERM stops
it all. Screenshots in artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.web.pages import (
    clickable,
    english_left,
    log_in,
    overlapping_labels,
    visible,
    wait,
    wait_markers,
)

WASTEROUTE = str(Path(sys.executable).with_name("wasteroute"))
CONTAINERS = 60
SOLVER_S = 5
READY = re.compile(r"keep running at (http://127\.0\.0\.1:\d+)")
DEAD_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # no tile server: as without internet


class Demo:
    """`wasteroute demo` in its own process, stdin and stdout not a terminal."""

    def __init__(self, tmp_path: Path) -> None:
        self.log = tmp_path / "demo.out"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MQTT_URL")}
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [WASTEROUTE, "demo", "--containers", str(CONTAINERS), "--days", "1",
                 "--trial-days", "1", "--plan-time-limit", "1",
                 "--data-dir", str(tmp_path / "demo")],
                cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout_s: float = 300) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = READY.search(self.output())
            if found:
                return found.group(1)
            if self.proc.poll() is not None:
                pytest.fail(f"the demo ended (code {self.proc.returncode}):\n"
                            f"{self.output()[-3000:]}", pytrace=False)
            time.sleep(1)
        pytest.fail(f"the demo was not ready in {timeout_s:.0f} s:\n{self.output()[-3000:]}",
                    pytrace=False)

    def login(self, who: str) -> tuple[str, str]:
        found = re.search(rf"{who}: user (\S+?),? password (\S+)", self.output())
        assert found, self.output()[-2000:]
        return found.group(1), found.group(2)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(45)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -9


@pytest.fixture
def demo(tmp_path):
    d = Demo(tmp_path)
    yield d
    d.stop()


def _type_date(b, field_id: str, day: date, dutch: bool) -> None:
    text = b.find_element(By.ID, f"{field_id}-text")
    text.clear()
    text.send_keys(day.strftime("%d-%m-%Y" if dutch else "%d/%m/%Y") + Keys.TAB)


@pytest.mark.slow
def test_the_demo_in_a_browser(demo, browser_factory, shot):
    api = demo.wait_ready()
    out = demo.output()
    assert "Ctrl-C" in out and "SIGTERM" in out  # says how to stop it
    planner, planner_pw = demo.login("planner dashboard")
    driver, driver_pw = demo.login(r"driver view \(today's route\)")

    # the planner: the Plan tab opens on a date that has a plan (today's, made at 05:00)
    b = browser_factory()
    log_in(b, f"{api}/ui/?tiles={DEAD_TILES}", planner, planner_pw)
    wait_markers(b, CONTAINERS)
    visible(b, "#map-notice")
    wait(b).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".offline-base-on path.base-area"))
    assert b.find_elements(By.CSS_SELECTOR, ".base-label.grid-name")
    places = b.find_elements(By.CSS_SELECTOR, ".base-label.place-name span")
    assert places and all(p.text.startswith("island ") for p in places)  # the city's islands
    shot(b, "offline-base")
    clickable(b, "button[data-tab=plan]").click()
    opened = b.execute_script("return document.querySelector('#plan-date').value")
    wait(b).until(lambda d: d.find_elements(By.CSS_SELECTOR, "article.plan[data-status=published]"))
    # every fraction's plan is shown: each route in its own colour, each named in the legend
    lines = wait(b).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#map path.route-line"))
    colours = {ln.get_attribute("stroke") for ln in lines}
    keys = b.find_elements(By.CSS_SELECTOR, "#route-legend .route-key")
    assert len(colours) == len(lines) == len(keys) >= 2
    shot(b, "demo-planner-today")

    # make tomorrow's plan (typed in the page's date format) and see it finish
    tomorrow = date.fromisoformat(opened) + timedelta(days=1)
    _type_date(b, "plan-date", tomorrow, dutch=False)
    assert b.execute_script("return document.querySelector('#plan-date').value") == (
        tomorrow.isoformat())
    limit = b.find_element(By.ID, "plan-time-limit")
    limit.clear()
    limit.send_keys(str(SOLVER_S))
    started = time.monotonic()
    clickable(b, "#plan-make").click()
    drafts = wait(b, SOLVER_S + 30).until(  # finished, and the new plans shown
        lambda d: d.find_elements(By.CSS_SELECTOR, "article.plan[data-status=draft]"))
    took_s = time.monotonic() - started
    assert took_s <= SOLVER_S + 30
    assert "ok" in b.find_element(By.ID, "plan-status").get_attribute("class")
    assert len(drafts) == len(b.find_elements(By.CSS_SELECTOR, "article.plan"))
    lines = wait(b).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#map path.route-line"))
    colours = {ln.get_attribute("stroke") for ln in lines}
    keys = b.find_elements(By.CSS_SELECTOR, "#route-legend .route-key")
    assert len(colours) == len(lines) == len(keys) >= 1  # one colour per route, each named
    shot(b, "demo-planner-tomorrow")

    # Dutch: no English left, dates written the Dutch way, the container card too
    b.find_element(By.CSS_SELECTOR, "#lang option[value=nl]").click()
    wait(b).until(lambda d: d.find_element(By.CSS_SELECTOR, "button[data-tab=plan]").text
                  == "Planning")
    assert b.find_element(By.ID, "plan-date-text").get_attribute("value") == (
        tomorrow.strftime("%d-%m-%Y"))
    for details in b.find_elements(By.CSS_SELECTOR, "article.plan details"):
        b.execute_script("arguments[0].open = true", details)
    lang, left = english_left(b)
    assert lang == "nl" and left == [], " | ".join(left)
    clickable(b, "button[data-tab=map]").click()
    marker = b.find_elements(By.CSS_SELECTOR, "#map path.container-marker")[0]
    b.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                     marker)
    wait(b).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#container-detail svg.chart, "
                                                              "#container-detail .muted"))
    lang, left = english_left(b)
    assert left == [], " | ".join(left)
    shot(b, "demo-planner-dutch")

    # the driver the demo names: today's route with at least one stop, numbers apart
    tablet = browser_factory(lang="nl-NL")
    log_in(tablet, f"{api}/ui/driver/?tiles=none", driver, driver_pw)
    stops = wait(tablet, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#stop-list li.container"))
    assert len(stops) >= 1
    visible(tablet, "#next-stop")
    assert overlapping_labels(tablet, ".stop-num:not(.stop-dot) span") == []
    lang, left = english_left(tablet)
    assert lang == "nl" and left == [], " | ".join(left)
    shot(tablet, "demo-driver-today")

    # SIGTERM stops the API and the worker; the demo exits 0
    assert demo.stop() == 0
    assert "stopping the API and the planning worker" in demo.output()
