"""The whole loop in headless Chromium: the planner makes and publishes today's plan, the
driver sees their route and empties a stop, the planner sees the container reset; another
tenant's driver sees none of it; reports made offline are sent once when back online."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.web.pages import clickable, console_errors, log_in, markers, visible, wait, wait_markers
from tests.web.seeding import api_login

# Today where the seeded tenants are: a driver may report only stops of their route of the day
# (api/routes/stop_events.py), so the route driven here is today's.
PLAN_DAY = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()


def make_and_publish(b, shot=None) -> str:
    """On the plan tab: plan PLAN_DAY with a short solver time, publish; returns the plan id."""
    clickable(b, "button[data-tab=plan]").click()
    b.execute_script(f"document.querySelector('#plan-date').value = '{PLAN_DAY}'")
    limit = b.find_element(By.CSS_SELECTOR, "#plan-time-limit")
    limit.clear()
    limit.send_keys("3")
    clickable(b, "#plan-make").click()
    plan = wait(b, 120).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "article.plan[data-status=draft]")
    )[0]
    plan_id = plan.get_attribute("data-plan-id")
    n_routes = len(plan.find_elements(By.CSS_SELECTOR, "table.vehicles tbody tr"))
    assert n_routes >= 1
    # the draft's routes are drawn from its stops (GET /v1/plans/{id}), not just ringed
    wait(b).until(
        lambda d: len(
            d.find_elements(By.CSS_SELECTOR, f"#map path.route-line[data-plan-id='{plan_id}']")
        )
        == n_routes
    )
    assert not b.find_elements(By.CSS_SELECTOR, "#map path.planned-ring")
    assert not plan.find_elements(By.CSS_SELECTOR, ".draft-note")
    if shot:
        shot(b, "plan-draft")
    clickable(b, f"#publish-{plan_id}").click()
    wait(b).until(
        lambda d: d.find_elements(
            By.CSS_SELECTOR, f"article.plan[data-plan-id='{plan_id}'][data-status=published]"
        )
    )
    return plan_id


def published_routes(server_url: str, planner: str) -> list[dict]:
    r = httpx.get(
        f"{server_url}/v1/routes", params={"date": PLAN_DAY}, headers=api_login(server_url, planner)
    )
    assert r.status_code == 200, r.text
    return r.json()["routes"]


@pytest.mark.slow
def test_plan_publish_drive_and_reset(server_url, plan_worker, seed, browser_factory, shot):
    """Plan → publish → the driver empties the next stop → the planner's map shows it empty."""
    town = seed(12)
    other = seed(5)
    planner = browser_factory()
    log_in(planner, f"{server_url}/ui/?tiles=none", town.planner)
    wait_markers(planner, 12)
    plan_id = make_and_publish(planner, shot)
    plan = planner.find_element(By.CSS_SELECTOR, f"article.plan[data-plan-id='{plan_id}']")
    counts = plan.find_element(By.CSS_SELECTOR, ".counts")
    n_must = int(counts.get_attribute("data-must"))
    assert n_must >= 4  # a third of the town is above 80%
    assert int(counts.get_attribute("data-served")) >= n_must
    assert len(plan.find_elements(By.CSS_SELECTOR, "table.vehicles tbody tr")) >= 1
    assert plan.find_elements(By.CSS_SELECTOR, "details.reasons tr")
    wait(planner).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#map path.route-line"))
    shot(planner, "plan-published")

    routes = published_routes(server_url, town.planner)
    route = routes[0]
    driver_name = town.drivers[route["vehicle_id"]]
    tablet = browser_factory(size=(1280, 800))
    log_in(tablet, f"{server_url}/ui/driver/?tiles=none&date={PLAN_DAY}", driver_name)
    first = route["stops"][0]
    nxt = visible(tablet, "#next-stop")
    wait(tablet).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "#next-stop").get_attribute("data-stop-id")
            == str(first["stop_id"])
        )
    )
    assert first["external_id"] in nxt.find_element(By.CSS_SELECTOR, "#next-title").text
    assert len(tablet.find_elements(By.CSS_SELECTOR, "#stop-list li")) == len(route["stops"])
    geo = tablet.find_element(By.CSS_SELECTOR, "#nav-geo").get_attribute("href")
    assert geo.startswith(f"geo:{first['lat']:.6f},{first['lon']:.6f}")
    assert "google.com/maps/dir" in tablet.find_element(By.CSS_SELECTOR, "#nav-web").get_attribute(
        "href"
    )
    assert tablet.find_elements(By.CSS_SELECTOR, "#map path.route-line")
    shot(tablet, "driver-route")

    clickable(tablet, "#act-emptied").click()
    second = route["stops"][1]
    wait(tablet).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "#next-stop").get_attribute("data-stop-id")
            == str(second["stop_id"])
        )
    )
    wait(tablet).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#conn").get_attribute("data-queued") == "0"
    )
    assert "done" in tablet.find_element(
        By.CSS_SELECTOR, f"#stop-list li[data-stop-id='{first['stop_id']}']"
    ).get_attribute("class")
    shot(tablet, "driver-after-emptied")

    emptied = str(first["container_id"])

    def reset_on_map(d) -> bool:
        d.refresh()
        wait_markers(d, 12)
        marker = d.find_element(
            By.CSS_SELECTOR, f"#map path.container-marker[data-container-id='{emptied}']"
        )
        return float(marker.get_attribute("data-fill")) == 0.0

    wait(planner, 30).until(reset_on_map)
    shot(planner, "container-reset")

    outsider = browser_factory()
    log_in(
        outsider,
        f"{server_url}/ui/driver/?tiles=none&date={PLAN_DAY}",
        next(iter(other.drivers.values())),
    )
    message = visible(outsider, "#route-message")
    wait(outsider).until(
        lambda d: PLAN_DAY in d.find_element(By.CSS_SELECTOR, "#route-message").text
    )
    assert outsider.find_elements(By.CSS_SELECTOR, "#stop-list li") == []
    assert not outsider.find_elements(By.CSS_SELECTOR, "#map .sq-icon")
    assert route["stops"][0]["external_id"] not in outsider.page_source
    shot(outsider, "other-tenant-driver")
    other_planner = browser_factory()
    log_in(other_planner, f"{server_url}/ui/?tiles=none", other.planner)
    wait_markers(other_planner, 5)
    ids = {m.get_attribute("data-container-id") for m in markers(other_planner)}
    assert emptied not in ids
    assert message.is_displayed()
    for b in (planner, tablet, other_planner):
        assert console_errors(b) == []
    # "no route for you" is a 404 by design; the browser logs it, nothing else may fail
    assert console_errors(outsider, allow=("/v1/routes?",)) == []


@pytest.mark.slow
def test_offline_reports_are_queued_and_sent_once(
    server_url, plan_worker, seed, browser_factory, shot
):
    """Offline, a skip is queued on the tablet; back online it is sent; resending is a no-op."""
    town = seed(9, n_vehicles=1)
    planner = browser_factory()
    log_in(planner, f"{server_url}/ui/?tiles=none", town.planner)
    wait_markers(planner, 9)
    make_and_publish(planner)
    route = published_routes(server_url, town.planner)[0]
    tablet = browser_factory(size=(800, 1280))  # tablet portrait
    log_in(
        tablet,
        f"{server_url}/ui/driver/?tiles=none&date={PLAN_DAY}",
        town.drivers[route["vehicle_id"]],
    )
    visible(tablet, "#act-skip")
    tablet.set_script_timeout(20)
    assert tablet.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.serviceWorker.ready"
        ".then(() => caches.match('/ui/driver/')).then((r) => done(!!r))"
    ), "the service worker should have cached the driver's page"
    offline = {"offline": True, "latency": 0, "download_throughput": 0, "upload_throughput": 0}
    tablet.set_network_conditions(**offline)
    wait(tablet).until(
        lambda d: "offline" in d.find_element(By.CSS_SELECTOR, "#conn").get_attribute("class")
    )
    clickable(tablet, "#act-skip").click()
    clickable(tablet, "button[data-reason=blocked]").click()
    wait(tablet).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#conn").get_attribute("data-queued") == "1"
    )
    queued = tablet.execute_script(
        "return Object.entries(localStorage)"
        ".find(([k]) => k.startsWith('wasteroute.driver.queue.'))"
    )
    events = json.loads(queued[1])
    assert events[0]["kind"] == "skipped" and events[0]["skip_reason"] == "blocked"
    assert events[0]["stop_id"] == route["stops"][0]["stop_id"]
    shot(tablet, "offline-queued")
    # Reloading while offline still opens the page (service worker) with the route and the queue.
    tablet.refresh()
    second = str(route["stops"][1]["stop_id"])
    wait(tablet).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "#next-stop").get_attribute("data-stop-id") == second
        )
    )
    assert tablet.find_element(By.CSS_SELECTOR, "#conn").get_attribute("data-queued") == "1"

    tablet.set_network_conditions(
        offline=False, latency=0, download_throughput=-1, upload_throughput=-1
    )
    wait(tablet, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#conn").get_attribute("data-queued") == "0"
    )
    headers = api_login(server_url, town.planner)

    def stored() -> list[dict]:
        r = httpx.get(
            f"{server_url}/v1/stop-events",
            params={"container_id": route["stops"][0]["container_id"]},
            headers=headers,
        )
        return [e for e in r.json()["data"] if e["event_id"] == events[0]["event_id"]]

    wait(tablet).until(lambda _: len(stored()) == 1)
    # The tablet lost the answer and sends the same queue again: nothing is counted twice.
    tablet.execute_script("localStorage.setItem(arguments[0], arguments[1])", queued[0], queued[1])
    clickable(tablet, "#refresh").click()
    wait(tablet, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#conn").get_attribute("data-queued") == "0"
    )
    assert len(stored()) == 1
    assert stored()[0]["skip_reason"] == "blocked"
    shot(tablet, "back-online")
