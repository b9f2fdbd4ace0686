"""What a user does on the two pages, as small functions over a Selenium driver."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.web.conftest import PASSWORD

WAIT_S = 20


def wait(browser, seconds: float = WAIT_S) -> WebDriverWait:
    return WebDriverWait(browser, seconds, poll_frequency=0.1)


def visible(browser, css: str, seconds: float = WAIT_S):
    return wait(browser, seconds).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def clickable(browser, css: str, seconds: float = WAIT_S):
    return wait(browser, seconds).until(ec.element_to_be_clickable((By.CSS_SELECTOR, css)))


def log_in(browser, url: str, username: str, password: str = PASSWORD) -> None:
    browser.get(url)
    visible(browser, "#username").send_keys(username)
    browser.find_element(By.CSS_SELECTOR, "#password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "#login-submit").click()


def markers(browser) -> list:
    return browser.find_elements(By.CSS_SELECTOR, "#map path.container-marker")


def wait_markers(browser, n: int) -> list:
    wait(browser).until(lambda b: len(markers(b)) == n, f"expected {n} container markers")
    return markers(browser)


def console_errors(browser, allow: tuple[str, ...] = ()) -> list[str]:
    """Severe messages from the page's console (script errors, failed requests to our API),
    except those containing one of `allow`."""
    ignore = ("favicon.ico", *allow)
    return [
        e["message"]
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and not any(a in e["message"] for a in ignore)
    ]
