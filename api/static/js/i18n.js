// Dutch and English text. Elements with data-i18n="key" get their text from here;
// data-i18n-attr="placeholder:key,title:key" fills attributes. The language comes from
// localStorage ("wasteroute.lang"), else from navigator.language (nl → Dutch), else English.

const STRINGS = {
  en: {
    "app.title": "wasteroute", "app.dashboard": "Planner's dashboard", "app.driver": "Driver",
    "login.title": "Log in", "login.username": "Username", "login.password": "Password",
    "login.submit": "Log in", "login.failed": "Log in failed: {msg}", "logout": "Log out",
    "login.wrong_role": "This page is for {role}s; you are logged in as {actual}.",
    "lang": "Language",
    "tab.map": "Map", "tab.plan": "Plan", "tab.kpis": "KPIs", "tab.trial": "Trial report",
    "map.colour_by": "Colour by", "map.fill_now": "fill now", "map.fill_tomorrow": "forecast for tomorrow",
    "map.containers": "{n} containers", "map.alarms": "{n} with an alarm", "map.no_tiles": "map tiles unavailable: showing containers and routes without a background map",
    "map.legend": "Fill", "map.alarm": "alarm", "map.unknown": "no data",
    "alarm.fire": "fire", "alarm.tilt": "tilted", "alarm.reported_full": "reported full",
    "health.ok": "ok", "health.no_data": "no data", "health.stale": "stale sensor", "health.low_battery": "low battery",
    "health.tilted": "tilted", "health.stuck": "stuck sensor",
    "c.fill": "Fill", "c.measured_at": "Measured", "c.forecast_full": "Forecast full", "c.speed": "Filling speed",
    "c.per_day": "{v} per day", "c.battery": "Battery", "c.temperature": "Temperature", "c.last_emptied": "Last emptied",
    "c.health": "Sensor", "c.alarms": "Alarms", "c.history": "Fill, last 14 days", "c.forecast": "forecast",
    "c.tomorrow": "Tomorrow (forecast)", "c.no_readings": "no readings in this period", "c.fraction": "Fraction",
    "close": "Close", "loading": "Loading…", "error": "Error: {msg}", "none": "none",
    "plan.date": "Plan date", "plan.fraction": "Fraction", "plan.all_fractions": "all fractions",
    "plan.make": "Make plan", "plan.running": "Planning… ({status})", "plan.done": "Plan ready",
    "plan.failed": "Planning failed: {msg}", "plan.publish": "Publish", "plan.published": "published",
    "plan.draft": "draft", "plan.superseded": "superseded", "plan.none": "No plan for this date yet.",
    "plan.version": "version {v}", "plan.status": "Status", "plan.must": "must", "plan.optional": "optional",
    "plan.skip": "skipped", "plan.served": "served", "plan.unserved": "unserved", "plan.why": "Why",
    "plan.vehicle": "Vehicle", "plan.km": "km", "plan.hours": "hours", "plan.stops": "stops", "plan.unloads": "disposal trips",
    "plan.start": "start", "plan.end": "end", "plan.total": "Total", "plan.decisions": "Decisions",
    "plan.reason_counts": "Reasons", "plan.container": "Container", "plan.fill_at_service": "fill at service",
    "plan.publish_ok": "Published: drivers see these routes now.", "plan.not_available": "The plan endpoints are not available on this server.",
    "plan.depot": "depot", "plan.disposal": "disposal site", "plan.route": "Route {n}",
    "plan.time_limit": "Solver time (s)", "plan.draft_map": "Containers in this plan are ringed; the routes show on the map once published (the API gives no draft plan's stops).",
    "kpi.period": "Period", "kpi.from": "from", "kpi.to": "to", "kpi.show": "Show", "kpi.km": "km driven (planned)",
    "kpi.hours": "hours", "kpi.collections": "collections", "kpi.avg_fill": "average fill at emptying",
    "kpi.overflows": "overflows", "kpi.skipped": "skipped stops", "kpi.disposal_trips": "disposal trips",
    "kpi.per_week": "per week", "kpi.skip_reasons": "Skipped stops by reason",
    "trial.title": "Simulator trial report", "trial.available": "Reports on the server", "trial.missing": "This server offers no trial reports (no API_REPORTS_DIR configured).", "trial.empty": "No trial reports on the server for your municipality yet.",
    "trial.open_file": "Open a report file from `wasteroute trial`", "trial.none": "No report opened.",
    "d.today": "Today's route", "d.next": "Next stop", "d.done": "Route done: all stops reported.",
    "d.emptied": "Emptied", "d.skipped": "Skip…", "d.skip_reason": "Why skipped?",
    "d.reason.blocked": "blocked", "d.reason.broken": "broken", "d.reason.not_out": "not put out", "d.reason.already_empty": "already empty",
    "d.cancel": "Cancel", "d.navigate": "Navigate", "d.navigate_web": "Maps", "d.eta": "ETA", "d.load": "load",
    "d.offline": "Offline · waiting to send: {n}", "d.online": "Online", "d.queued": "Waiting to send: {n}",
    "d.synced": "All reports sent", "d.no_route": "No published route for your vehicle on {date}.",
    "d.no_vehicle": "Your account has no vehicle.", "d.stop_container": "Container {id}", "d.stop_disposal": "Unload at disposal site",
    "d.state.emptied": "emptied", "d.state.skipped": "skipped", "d.state.open": "to do", "d.disposal_done": "Unloaded",
    "d.date": "Date", "d.refresh": "Refresh", "d.stops_left": "{n} of {total} stops to go",
    "map.zoom_in": "Zoom in", "map.zoom_out": "Zoom out",
    "plan.routes": "Routes", "c.measured": "measured", "chart.date": "date", "kpi.week_of": "week starting",
    "kpi.reason": "reason", "date.pick": "Pick a date", "date.invalid": "not a date: use {pattern}",
    "date.pattern": "dd/mm/yyyy",
    "fraction.residual": "residual", "fraction.paper": "paper", "fraction.glass": "glass",
    "fraction.plastic": "plastic (PMD)", "fraction.organic": "organic", "fraction.textile": "textile",
    "solver.feasible": "feasible", "solver.partial": "partial", "solver.empty": "empty",
    "solver.optimal": "optimal", "solver.infeasible": "infeasible",
    "job.todo": "queued", "job.doing": "running", "job.succeeded": "done", "job.failed": "failed",
    "job.cancelled": "cancelled", "job.aborted": "aborted", "job.aborting": "aborting",
  },
  nl: {
    "app.title": "wasteroute", "app.dashboard": "Dashboard planner", "app.driver": "Chauffeur",
    "login.title": "Inloggen", "login.username": "Gebruikersnaam", "login.password": "Wachtwoord",
    "login.submit": "Inloggen", "login.failed": "Inloggen mislukt: {msg}", "logout": "Uitloggen",
    "login.wrong_role": "Deze pagina is voor de rol {role}; u bent ingelogd als {actual}.",
    "lang": "Taal",
    "tab.map": "Kaart", "tab.plan": "Planning", "tab.kpis": "Kengetallen", "tab.trial": "Proefrapport",
    "map.colour_by": "Kleur naar", "map.fill_now": "vulgraad nu", "map.fill_tomorrow": "verwachting morgen",
    "map.containers": "{n} containers", "map.alarms": "{n} met een alarm", "map.no_tiles": "kaartachtergrond niet beschikbaar: containers en routes worden zonder ondergrond getoond",
    "map.legend": "Vulgraad", "map.alarm": "alarm", "map.unknown": "geen gegevens",
    "alarm.fire": "brand", "alarm.tilt": "gekanteld", "alarm.reported_full": "vol gemeld",
    "health.ok": "in orde", "health.no_data": "geen gegevens", "health.stale": "sensor stil", "health.low_battery": "batterij bijna leeg",
    "health.tilted": "gekanteld", "health.stuck": "sensor hangt",
    "c.fill": "Vulgraad", "c.measured_at": "Gemeten", "c.forecast_full": "Verwacht vol", "c.speed": "Vulsnelheid",
    "c.per_day": "{v} per dag", "c.battery": "Batterij", "c.temperature": "Temperatuur", "c.last_emptied": "Laatst geleegd",
    "c.health": "Sensor", "c.alarms": "Alarmen", "c.history": "Vulgraad, afgelopen 14 dagen", "c.forecast": "verwachting",
    "c.tomorrow": "Morgen (verwachting)", "c.no_readings": "geen metingen in deze periode", "c.fraction": "Fractie",
    "close": "Sluiten", "loading": "Laden…", "error": "Fout: {msg}", "none": "geen",
    "plan.date": "Datum", "plan.fraction": "Fractie", "plan.all_fractions": "alle fracties",
    "plan.make": "Planning maken", "plan.running": "Bezig met plannen… ({status})", "plan.done": "Planning klaar",
    "plan.failed": "Plannen mislukt: {msg}", "plan.publish": "Publiceren", "plan.published": "gepubliceerd",
    "plan.draft": "concept", "plan.superseded": "vervangen", "plan.none": "Nog geen planning voor deze datum.",
    "plan.version": "versie {v}", "plan.status": "Status", "plan.must": "moet", "plan.optional": "optioneel",
    "plan.skip": "overgeslagen", "plan.served": "gepland", "plan.unserved": "niet gepland", "plan.why": "Waarom",
    "plan.vehicle": "Voertuig", "plan.km": "km", "plan.hours": "uur", "plan.stops": "stops", "plan.unloads": "stortritten",
    "plan.start": "begin", "plan.end": "einde", "plan.total": "Totaal", "plan.decisions": "Keuzes",
    "plan.reason_counts": "Redenen", "plan.container": "Container", "plan.fill_at_service": "vulgraad bij lediging",
    "plan.publish_ok": "Gepubliceerd: chauffeurs zien deze routes nu.", "plan.not_available": "Deze server heeft geen planning-endpoints.",
    "plan.depot": "depot", "plan.disposal": "stortplaats", "plan.route": "Route {n}",
    "plan.time_limit": "Rekentijd (s)", "plan.draft_map": "Containers in deze planning zijn omcirkeld; de routes staan op de kaart zodra de planning gepubliceerd is (de API geeft de stops van een concept niet).",
    "kpi.period": "Periode", "kpi.from": "van", "kpi.to": "tot en met", "kpi.show": "Toon", "kpi.km": "gereden km (gepland)",
    "kpi.hours": "uren", "kpi.collections": "ledigingen", "kpi.avg_fill": "gemiddelde vulgraad bij lediging",
    "kpi.overflows": "overvolle containers", "kpi.skipped": "overgeslagen stops", "kpi.disposal_trips": "stortritten",
    "kpi.per_week": "per week", "kpi.skip_reasons": "Overgeslagen stops per reden",
    "trial.title": "Proefrapport van de simulator", "trial.available": "Rapporten op de server", "trial.missing": "Deze server biedt geen proefrapporten aan (geen API_REPORTS_DIR ingesteld).", "trial.empty": "Nog geen proefrapporten op de server voor uw gemeente.",
    "trial.open_file": "Open een rapportbestand van `wasteroute trial`", "trial.none": "Geen rapport geopend.",
    "d.today": "Route van vandaag", "d.next": "Volgende stop", "d.done": "Route klaar: alle stops gemeld.",
    "d.emptied": "Geleegd", "d.skipped": "Overslaan…", "d.skip_reason": "Waarom overgeslagen?",
    "d.reason.blocked": "geblokkeerd", "d.reason.broken": "kapot", "d.reason.not_out": "niet buiten gezet", "d.reason.already_empty": "al leeg",
    "d.cancel": "Annuleren", "d.navigate": "Navigeer", "d.navigate_web": "Kaarten", "d.eta": "Aankomst", "d.load": "lading",
    "d.offline": "Offline · nog te verzenden: {n}", "d.online": "Online", "d.queued": "Nog te verzenden: {n}",
    "d.synced": "Alle meldingen verzonden", "d.no_route": "Geen gepubliceerde route voor uw voertuig op {date}.",
    "d.no_vehicle": "Uw account heeft geen voertuig.", "d.stop_container": "Container {id}", "d.stop_disposal": "Lossen bij stortplaats",
    "d.state.emptied": "geleegd", "d.state.skipped": "overgeslagen", "d.state.open": "te doen", "d.disposal_done": "Gelost",
    "d.date": "Datum", "d.refresh": "Verversen", "d.stops_left": "nog {n} van {total} stops",
    "map.zoom_in": "Inzoomen", "map.zoom_out": "Uitzoomen",
    "plan.routes": "Routes", "c.measured": "gemeten", "chart.date": "datum", "kpi.week_of": "week vanaf",
    "kpi.reason": "reden", "date.pick": "Kies een datum", "date.invalid": "geen datum: gebruik {pattern}",
    "date.pattern": "dd-mm-jjjj",
    "fraction.residual": "restafval", "fraction.paper": "papier", "fraction.glass": "glas",
    "fraction.plastic": "pmd", "fraction.organic": "gft", "fraction.textile": "textiel",
    "solver.feasible": "uitvoerbaar", "solver.partial": "gedeeltelijk", "solver.empty": "leeg",
    "solver.optimal": "optimaal", "solver.infeasible": "onuitvoerbaar",
    "job.todo": "in de wachtrij", "job.doing": "bezig", "job.succeeded": "klaar", "job.failed": "mislukt",
    "job.cancelled": "geannuleerd", "job.aborted": "afgebroken", "job.aborting": "wordt afgebroken",
  },
};

const KEY = "wasteroute.lang";
let lang = pickLanguage();

function pickLanguage() {
  const stored = localStorage.getItem(KEY);
  if (stored && STRINGS[stored]) return stored;
  const nav = (navigator.language || "en").toLowerCase();
  return nav.startsWith("nl") ? "nl" : "en";
}

export function currentLang() { return lang; }

/** The text for `key` in the current language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? `{${name}}`));
}

/** Fill every [data-i18n] and [data-i18n-attr] element under `root`. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-attr]").forEach((el) => {
    for (const pair of el.dataset.i18nAttr.split(",")) {
      const [attr, key] = pair.split(":");
      el.setAttribute(attr.trim(), t(key.trim()));
    }
  });
}

const listeners = [];
export function onLanguageChange(fn) { listeners.push(fn); }

export function setLang(value) {
  if (!STRINGS[value]) return;
  lang = value;
  localStorage.setItem(KEY, value);
  applyI18n();
  listeners.forEach((fn) => fn(value));
}

/** Wire a <select> as the language switch. */
export function bindLanguageSwitch(select) {
  select.value = lang;
  select.addEventListener("change", () => setLang(select.value));
}

// Times are shown in the tenant's time zone (GET /v1/auth/me `timezone`), whatever the
// device's zone is; until it is known (or if the browser does not know it), the device's.
let zone;
export function setTimeZone(tz) {
  try {
    zone = tz ? new Intl.DateTimeFormat("en", { timeZone: tz }).resolvedOptions().timeZone : undefined;
  } catch { zone = undefined; }
  document.documentElement.dataset.timeZone = zone || "";
}
export function timeZone() { return zone; }

/** Numbers and dates in the current language. */
export function fmtNumber(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return new Intl.NumberFormat(lang === "nl" ? "nl-NL" : "en-GB", { maximumFractionDigits: digits }).format(value);
}
export function fmtPct(fraction) {
  return fraction === null || fraction === undefined ? "–" : `${fmtNumber(fraction * 100, 0)}%`;
}
export function fmtDateTime(iso, opts = { dateStyle: "medium", timeStyle: "short" }) {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(lang === "nl" ? "nl-NL" : "en-GB", { ...opts, timeZone: zone }).format(new Date(iso));
}
export function fmtTime(iso) { return fmtDateTime(iso, { timeStyle: "short" }); }

/** The locale dates are written in: Dutch on the Dutch page, else the user's own (en-US
 * users get their month first, everyone else their day first). */
export function dateLocale() {
  if (lang === "nl") return "nl-NL";
  const nav = navigator.language || "en-GB";
  return nav.toLowerCase().startsWith("en") ? nav : "en-GB";
}

/** A calendar day (a Date at local noon) as day and month, e.g. "6-12" or "6/12". */
export function fmtDay(d) {
  return new Intl.DateTimeFormat(dateLocale(), { day: "numeric", month: "numeric" }).format(d);
}

/** A fraction's name in the page's language ("glass" -> "glas"). */
export function fractionName(f) {
  const key = `fraction.${f}`;
  const text = t(key);
  return text === key ? f : text;
}
export { STRINGS };
