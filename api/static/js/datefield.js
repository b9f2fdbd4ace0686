// Date fields in the page's language. Chromium draws <input type="date"> in the browser's
// locale (MM/DD/YYYY for an American browser, whatever the page's language), so each date
// input gets a text field beside it that shows and takes the date as the page's language
// writes it (Dutch: 06-12-2026; English: the user's own order), and a button that opens the
// calendar. The date input stays the value holder: code (and tests) read and set its
// `value` as YYYY-MM-DD, and setting it updates the text.
import { dateLocale, onLanguageChange, t } from "./i18n.js";

const NATIVE = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value");
const OPTIONS = { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" };

function formatter() { return new Intl.DateTimeFormat(dateLocale(), OPTIONS); }

/** "2026-12-06" -> "06-12-2026" (nl), "06/12/2026" (en-GB), "12/06/2026" (en-US). */
export function formatIsoDate(iso) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || "")) return "";
  return formatter().format(new Date(`${iso}T00:00:00Z`));
}

/** The order of day, month and year in the page's locale, and its pattern ("dd-mm-jjjj"). */
export function datePattern() {
  const letters = t("date.pattern").split(/[^a-z]+/i).filter(Boolean);  // e.g. dd mm jjjj
  const names = { day: letters[0] || "dd", month: letters[1] || "mm", year: letters[2] || "yyyy" };
  const parts = formatter().formatToParts(new Date(Date.UTC(2026, 11, 6)));
  const order = parts.filter((p) => p.type in names).map((p) => p.type);
  const pattern = parts.map((p) => (p.type in names ? names[p.type] : p.value)).join("");
  return { order, pattern };
}

/** Text typed by the user -> "YYYY-MM-DD", or "" if it is not a real date. */
export function parseLocalDate(text) {
  const s = (text || "").trim();
  let y;
  let m;
  let d;
  if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(s)) {
    [y, m, d] = s.split("-").map(Number);
  } else {
    const nums = s.split(/\D+/).filter(Boolean).map(Number);
    if (nums.length !== 3) return "";
    const { order } = datePattern();
    const at = Object.fromEntries(order.map((k, i) => [k, nums[i]]));
    [y, m, d] = [at.year < 100 ? 2000 + at.year : at.year, at.month, at.day];
  }
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return "";
  return date.toISOString().slice(0, 10);
}

/** Give the <input type="date"> `input` a text field in the page's language. */
export function localDateField(input) {
  const text = document.createElement("input");
  text.type = "text";
  text.id = `${input.id}-text`;
  text.className = "date-text";
  text.autocomplete = "off";
  text.inputMode = "numeric";
  const pick = document.createElement("button");
  pick.type = "button";
  pick.className = "date-pick";
  pick.innerHTML = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><rect x="1.5" y="3" width="13" height="11.5" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M1.5 6.5h13M5 1.5v3M11 1.5v3" stroke="currentColor" stroke-width="1.5"/></svg>';
  const box = document.createElement("span");
  box.className = "date-field";
  input.replaceWith(box);
  box.append(text, pick, input);
  input.classList.add("date-native");
  input.tabIndex = -1;

  const show = () => {
    const { pattern } = datePattern();
    text.value = formatIsoDate(NATIVE.get.call(input));
    text.placeholder = pattern;
    text.setCustomValidity("");
    pick.title = t("date.pick");
    pick.setAttribute("aria-label", t("date.pick"));
  };
  Object.defineProperty(input, "value", {
    configurable: true,
    get() { return NATIVE.get.call(this); },
    set(v) { NATIVE.set.call(this, v); show(); },
  });
  input.addEventListener("change", show);
  text.addEventListener("change", () => {
    const iso = parseLocalDate(text.value);
    if (!iso) {
      text.setCustomValidity(t("date.invalid", { pattern: datePattern().pattern }));
      text.reportValidity();
      return;
    }
    NATIVE.set.call(input, iso);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  pick.addEventListener("click", () => {
    try { input.showPicker(); } catch { input.focus(); }
  });
  onLanguageChange(show);
  show();
  return text;
}
