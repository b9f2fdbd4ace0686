"""The planner's dashboard in headless Chromium: log in, containers on the map, alarms,
a container's history chart, colour by tomorrow's forecast, Dutch, no tiles, KPIs, trial
reports from the server, times in the tenant's zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By

from tests.web.pages import clickable, console_errors, log_in, markers, visible, wait, wait_markers


def test_planner_logs_in_and_sees_every_container(server_url, seed, browser_factory, shot):
    """After logging in, the map shows one marker per container of the tenant, alarms ringed."""
    town = seed(15)
    b = browser_factory()
    log_in(b, f"{server_url}/ui/?tiles=none", town.planner)
    wait_markers(b, 15)
    summary = visible(b, "#container-count")
    assert summary.get_attribute("data-count") == "15"
    alarm_markers = b.find_elements(By.CSS_SELECTOR, "#map path.alarm-marker")
    assert len(alarm_markers) == 2  # fire and tilt
    assert b.find_element(By.CSS_SELECTOR, ".alarm-count").get_attribute("data-count") == "2"
    listed = b.find_elements(By.CSS_SELECTOR, "#alarm-list li")
    assert {li.text.split()[0] for li in listed} >= {"SCH-0002", "SCH-0003", "SCH-0005"}
    fills = {float(m.get_attribute("data-fill")) for m in markers(b)}
    assert max(fills) > 0.8 and min(fills) < 0.5
    shot(b, "map")
    assert console_errors(b) == []


def test_container_click_shows_history_chart_and_forecast(server_url, seed, browser_factory, shot):
    """Clicking a container opens its card with the 14-day fill chart and a forecast line."""
    town = seed(6)
    b = browser_factory()
    log_in(b, f"{server_url}/ui/?tiles=none", town.planner)
    first = wait_markers(b, 6)[0]
    cid = first.get_attribute("data-container-id")
    b.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", first)
    card = visible(b, "#container-detail")
    assert card.get_attribute("data-container-id") == cid
    wait(b).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#container-detail svg.chart path.series")
    )
    series = b.find_elements(By.CSS_SELECTOR, "#container-detail svg.chart path.series")
    labels = [s.get_attribute("data-label") for s in series]
    assert "history" in labels and "forecast" in labels
    assert len(series[0].get_attribute("d").split("L")) > 50  # 3-hourly buckets over 14 days
    shot(b, "container-detail")


def test_colour_by_tomorrows_forecast_makes_containers_fuller(server_url, seed, browser_factory):
    """Colouring by tomorrow's forecast raises the fill shown for filling containers."""
    town = seed(6, alarms=False)
    b = browser_factory()
    log_in(b, f"{server_url}/ui/?tiles=none", town.planner)
    before = {
        m.get_attribute("data-container-id"): float(m.get_attribute("data-fill"))
        for m in wait_markers(b, 6)
    }
    b.find_element(By.CSS_SELECTOR, "#colour-by option[value=tomorrow]").click()
    wait(b).until(
        lambda d: (
            {
                m.get_attribute("data-container-id"): float(m.get_attribute("data-fill"))
                for m in markers(d)
            }
            != before
        )
    )
    after = {
        m.get_attribute("data-container-id"): float(m.get_attribute("data-fill"))
        for m in markers(b)
    }
    assert all(after[k] >= before[k] for k in before)
    assert sum(after.values()) > sum(before.values())


def test_dutch_text_and_unreachable_tiles(server_url, seed, browser_factory, shot):
    """A Dutch browser gets Dutch text; with a dead tile server the containers still show."""
    town = seed(5)
    b = browser_factory(lang="nl-NL")
    log_in(b, f"{server_url}/ui/?tiles=http://127.0.0.1:9/{{z}}/{{x}}/{{y}}.png", town.planner)
    wait_markers(b, 5)
    assert b.find_element(By.CSS_SELECTOR, "button[data-tab=plan]").text == "Planning"
    assert "containers" in b.find_element(By.CSS_SELECTOR, "#container-count").text
    notice = visible(b, "#map-notice")
    assert "kaartachtergrond" in notice.text
    shot(b, "dutch-no-tiles")
    b.find_element(By.CSS_SELECTOR, "#lang option[value=en]").click()
    wait(b).until(lambda d: d.find_element(By.CSS_SELECTOR, "button[data-tab=plan]").text == "Plan")


def test_kpis_as_charts(server_url, seed, browser_factory, shot):
    """The KPI tab shows the period's figures and per-week bar charts."""
    town = seed(4)
    b = browser_factory()
    log_in(b, f"{server_url}/ui/?tiles=none", town.planner)
    wait_markers(b, 4)
    clickable(b, "button[data-tab=kpis]").click()
    clickable(b, "#kpi-form button[type=submit]").click()
    visible(b, ".kpi[data-kpi=km]")
    charts = b.find_elements(By.CSS_SELECTOR, "#kpi-view figure.kpi-chart svg.chart")
    assert len(charts) == 5
    assert len(b.find_elements(By.CSS_SELECTOR, "figure[data-kpi=km] rect.bar")) == 4
    shot(b, "kpis")


def test_wrong_password_and_wrong_role(server_url, seed, browser_factory):
    """A wrong password shows an error; a driver cannot use the planner's dashboard."""
    town = seed(1)
    b = browser_factory()
    log_in(b, f"{server_url}/ui/?tiles=none", town.planner, password="nope-nope")
    wait(b).until(lambda d: d.find_element(By.CSS_SELECTOR, "#login-error").text)
    assert b.find_element(By.CSS_SELECTOR, "#app").get_attribute("hidden") is not None
    driver_name = next(iter(town.drivers.values()))
    log_in(b, f"{server_url}/ui/?tiles=none", driver_name)
    wait(b).until(lambda d: "planner" in d.find_element(By.CSS_SELECTOR, "#login-error").text)
    assert markers(b) == []


def test_trial_reports_from_the_server(server_url, seed, reports_dir, browser_factory, shot):
    """The trial tab lists this tenant's reports from API_REPORTS_DIR (not another tenant's)
    and shows one in the sandboxed frame."""
    town, other = seed(2), seed(2)
    (reports_dir / town.id).mkdir()
    (reports_dir / town.id / "trial-28d.html").write_text(
        "<html><head><title>Trial 28 days</title></head>"
        "<body><h1 id=r>Report body</h1></body></html>"
    )
    (reports_dir / other.id).mkdir()
    (reports_dir / other.id / "theirs.html").write_text("<title>Not yours</title>")
    b = browser_factory()
    log_in(b, f"{server_url}/ui/?tiles=none", town.planner)
    wait_markers(b, 2)
    clickable(b, "button[data-tab=trial]").click()
    links = wait(b).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#trial-server a[data-name]"))
    assert [a.get_attribute("data-name") for a in links] == ["trial-28d.html"]
    assert links[0].text == "Trial 28 days"
    links[0].click()
    wait(b).until(lambda d: d.find_element(By.ID, "trial-frame").get_attribute("data-report"))
    assert "Report body" in b.find_element(By.ID, "trial-frame").get_attribute("srcdoc")
    shot(b, "trial-report")


def test_times_are_in_the_tenants_zone(server_url, seed, db, browser_factory):
    """A tenant in Auckland: the page uses that zone, and the default plan date is tomorrow
    there, whatever the browser's zone."""
    town = seed(2)
    db.execute("UPDATE tenants SET timezone = 'Pacific/Auckland' WHERE id = %s", (town.id,))
    b = browser_factory()
    log_in(b, f"{server_url}/ui/?tiles=none", town.planner)
    wait_markers(b, 2)
    assert b.execute_script("return document.documentElement.dataset.timeZone") == (
        "Pacific/Auckland"
    )
    assert "Pacific/Auckland" in b.find_element(By.ID, "who").text
    tomorrow = (datetime.now(ZoneInfo("Pacific/Auckland")) + timedelta(days=1)).date()
    value = b.execute_script("return document.querySelector('#plan-date').value")
    assert value == tomorrow.isoformat()
