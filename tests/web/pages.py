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


# Words of the pages' English strings (i18n.js) that none of the Dutch strings uses: if one of
# them is visible on a Dutch page, some text was left untranslated. Tokens with a digit, an
# underscore or an @ are names from the data (vehicles, users, container ids), not text;
# "English" is the language switch's own option.
_ENGLISH_LEFT = """
const { STRINGS } = await import("/ui/js/i18n.js");
const words = (s) => (s.toLowerCase().match(/[a-z\u00C0-\u024F']{3,}/g) || []);
const dutch = new Set(Object.values(STRINGS.nl).flatMap(words));
const english = new Set(Object.values(STRINGS.en).flatMap(words).filter((w) => !dutch.has(w)));
const texts = [document.body.innerText];
for (const el of document.querySelectorAll("[title], [placeholder], [aria-label]")) {
  if (el.offsetParent === null && el.getClientRects().length === 0) continue;
  texts.push(el.getAttribute("title") || "", el.getAttribute("placeholder") || "",
             el.getAttribute("aria-label") || "");
}
for (const el of document.querySelectorAll("svg.chart text")) {
  if (el.getClientRects().length) texts.push(el.textContent);
}
const left = [];
for (const token of texts.join(" ").split(/\\s+/)) {
  if (!token || /[0-9_@]/.test(token) || token === "English") continue;
  for (const w of words(token)) if (english.has(w)) left.push(token);
}
return [document.documentElement.lang, [...new Set(left)]];
"""


def english_left(browser) -> tuple[str, list[str]]:
    """(the page's lang attribute, visible tokens holding an English-only word)."""
    script = "const done = arguments[arguments.length - 1];\n(async () => {" + _ENGLISH_LEFT + (
        "})().then(done, (e) => done(['error', [String(e)]]));"
    )
    lang, left = browser.execute_async_script(script)
    return lang, left


def overlapping_labels(browser, css: str) -> list[tuple[str, str]]:
    """Pairs of visible elements matching `css` whose boxes overlap (by their text)."""
    return browser.execute_script(
        """
        const els = [...document.querySelectorAll(arguments[0])]
          .filter((e) => e.getClientRects().length);
        const boxes = els.map((e) => [e.textContent, e.getBoundingClientRect()]);
        const out = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const [ta, a] = boxes[i]; const [tb, b] = boxes[j];
          if (a.width && b.width && a.left < b.right - 1 && b.left < a.right - 1
              && a.top < b.bottom - 1 && b.top < a.bottom - 1) out.push([ta, tb]);
        }
        return out;
        """,
        css,
    )
