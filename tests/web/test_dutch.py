"""The Dutch pages have no English left in their visible strings (issue 20): every tab of the
planner's dashboard with data in it (a container card, a plan with its reasons, KPI charts,
the trial tab) and the driver's view with a route; dates written the Dutch way."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from selenium.webdriver.common.by import By

from tests.web.pages import clickable, english_left, log_in, visible, wait, wait_markers
from tests.web.test_plan_and_drive import PLAN_DAY, make_and_publish, published_routes

DEAD_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


def _no_english(b, where: str) -> None:
    for details in b.find_elements(By.CSS_SELECTOR, "details"):
        b.execute_script("arguments[0].open = true", details)
    lang, left = english_left(b)
    assert lang == "nl", where
    assert left == [], f"{where}: {' | '.join(left)}"


@pytest.mark.slow
def test_the_dutch_pages_have_no_english_left(server_url, plan_worker, seed, browser_factory,
                                              shot):
    town = seed(10)
    b = browser_factory(lang="nl-NL")
    log_in(b, f"{server_url}/ui/?tiles={DEAD_TILES}", town.planner)
    first = wait_markers(b, 10)[0]
    visible(b, "#map-notice")
    b.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", first)
    wait(b).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#container-detail svg.chart path"))
    _no_english(b, "map and container card")

    make_and_publish(b)
    day = date.fromisoformat(PLAN_DAY)
    assert b.find_element(By.ID, "plan-date-text").get_attribute("value") == (
        day.strftime("%d-%m-%Y"))
    _no_english(b, "plan")
    shot(b, "plan")

    clickable(b, "button[data-tab=kpis]").click()
    assert b.find_element(By.ID, "kpi-end-text").get_attribute("value").count("-") == 2
    clickable(b, "#kpi-form button[type=submit]").click()
    visible(b, ".kpi[data-kpi=km]")
    assert b.find_elements(By.CSS_SELECTOR, "#kpi-view svg.chart text.axis-title")
    _no_english(b, "KPIs")
    clickable(b, "button[data-tab=trial]").click()
    _no_english(b, "trial")

    # a Dutch date typed in the field is the date the page uses
    clickable(b, "button[data-tab=plan]").click()
    field = b.find_element(By.ID, "plan-date-text")
    field.clear()
    later = day + timedelta(days=2)
    field.send_keys(later.strftime("%d-%m-%Y") + "\t")
    wait(b).until(lambda d: d.execute_script(
        "return document.querySelector('#plan-date').value") == later.isoformat())

    route = published_routes(server_url, town.planner)[0]
    tablet = browser_factory(lang="nl-NL")
    log_in(tablet, f"{server_url}/ui/driver/?tiles=none&date={PLAN_DAY}",
           town.drivers[route["vehicle_id"]])
    visible(tablet, "#next-stop")
    _no_english(tablet, "driver")
    shot(tablet, "driver")
