// The driver's tablet view: today's route for the driver's vehicle, the next stop large, one
// tap to report it, an offline queue, and links into the device's navigation app.
import { Api, esc, todayIso } from "./api.js";
import { applyI18n, bindLanguageSwitch, fmtNumber, fmtTime, onLanguageChange, setTimeZone, t } from "./i18n.js";
import { localDateField } from "./datefield.js";
import { createMap, fitTo, squareIcon } from "./map.js";
import { EventQueue } from "./queue.js";
import { navLinks, normaliseRoutes } from "./route_data.js";

const L = window.L;
const $ = (sel) => document.querySelector(sel);
const api = new Api(localStorage, "wasteroute.driver.token");
const REASONS = ["blocked", "broken", "not_out", "already_empty"];
let queue;
let map;
let routeLayer;
let state = { routes: [], stops: [], done: {} };
let skipping = false;
let started = false;

const doneKey = () => `wasteroute.driver.done.${api.me?.user_id}.${$("#route-date").value}`;
const routeKey = () => `wasteroute.driver.route.${api.me?.user_id}.${$("#route-date").value}`;

function showLogin(message = "") {
  $("#app").hidden = true;
  $("#logout").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = message;
}

async function onLogin(event) {
  event.preventDefault();
  try {
    const me = await api.login($("#username").value.trim(), $("#password").value);
    if (me.role !== "driver") {
      api.logout();
      showLogin(t("login.wrong_role", { role: "driver", actual: me.role }));
      return;
    }
    $("#password").value = "";
    await start();
  } catch (err) {
    showLogin(t("login.failed", { msg: err.message }));
  }
}

function updateConn() {
  const n = queue ? queue.events.length : 0;
  const el = $("#conn");
  el.classList.toggle("offline", !navigator.onLine);
  el.classList.toggle("pending", navigator.onLine && n > 0);
  el.dataset.queued = n;
  el.textContent = !navigator.onLine ? t("d.offline", { n }) : n ? t("d.queued", { n }) : t("d.online");
}

async function flush() {
  updateConn();
  if (!queue.events.length || !navigator.onLine || !api.token) return;
  try {
    const { rejected } = await queue.flush(api);
    for (const r of rejected) console.warn("stop event rejected", r.message, r.event);
  } catch (err) {
    console.info("queued events stay queued:", err.message);
  }
  updateConn();
}

async function loadRoute() {
  const date = $("#route-date").value;
  const me = api.me;
  state.done = JSON.parse(localStorage.getItem(doneKey()) || "{}");
  if (!me?.vehicle_id) {
    setRoutes([], t("d.no_vehicle"));
    return;
  }
  let data = null;
  try {
    data = await api.get("/v1/routes", { date, vehicle: me.vehicle_id });
    localStorage.setItem(routeKey(), JSON.stringify(data));
    await mergeServerEvents(date);
  } catch (err) {
    if (err.status === 404) data = null;
    else data = JSON.parse(localStorage.getItem(routeKey()) || "null");  // offline: the cached route
  }
  const routes = data ? normaliseRoutes(data) : [];
  setRoutes(routes, routes.length ? "" : t("d.no_route", { date }));
}

/** Stops reported earlier (on this or another device) count as done. */
async function mergeServerEvents(date) {
  const since = new Date(`${date}T00:00:00`);
  const until = new Date(+since + 2 * 86_400_000);
  const events = await api.get("/v1/stop-events", { since: since.toISOString(), until: until.toISOString(), limit: 1000 });
  for (const e of events.data || []) {
    if (e.stop_id != null && !state.done[e.stop_id]) state.done[e.stop_id] = { kind: e.kind, reason: e.skip_reason };
  }
  localStorage.setItem(doneKey(), JSON.stringify(state.done));
}

function setRoutes(routes, message) {
  state.routes = routes;
  state.stops = routes.flatMap((r) => r.stops);
  $("#route-message").textContent = message;
  drawMap();
  render();
}

function currentStop() { return state.stops.find((s) => !state.done[s.id]); }

function render() {
  const next = currentStop();
  const box = $("#next-stop");
  const containers = state.stops.filter((s) => s.kind === "container");
  const left = containers.filter((s) => !state.done[s.id]).length;
  $("#progress").textContent = state.stops.length ? t("d.stops_left", { n: left, total: containers.length }) : "";
  if (!state.stops.length) {
    box.hidden = true;
  } else if (!next) {
    box.hidden = false;
    box.innerHTML = `<div class="done-card" id="route-done">${t("d.done")}</div>`;
  } else {
    box.hidden = false;
    box.dataset.stopId = next.id;
    const title = next.kind === "disposal" ? `${t("d.stop_disposal")}${next.name ? `: ${esc(next.name)}` : ""}` : esc(next.name || t("d.stop_container", { id: next.container_id }));
    const links = navLinks(next, navigator.userAgent);
    const actions = next.kind === "disposal"
      ? `<div class="big-actions"><button type="button" class="emptied" id="act-disposal">${t("d.disposal_done")}</button></div>`
      : skipping
        ? `<p>${t("d.skip_reason")}</p><div class="skip-reasons">${REASONS.map((r) =>
          `<button type="button" data-reason="${r}">${t(`d.reason.${r}`)}</button>`).join("")}<button type="button" id="skip-cancel">${t("d.cancel")}</button></div>`
        : `<div class="big-actions"><button type="button" class="emptied" id="act-emptied">✔ ${t("d.emptied")}</button>
           <button type="button" class="skip" id="act-skip">${t("d.skipped")}</button></div>`;
    box.innerHTML = `<div class="label">${t("d.next")} · #${next.seq}</div><h2 id="next-title">${title}</h2>
      <div class="meta">${t("d.eta")} ${fmtTime(next.eta)}${next.address ? ` · ${esc(next.address)}` : ""}${next.load_kg != null ? ` · ${t("d.load")} ${fmtNumber(next.load_kg, 0)} kg` : ""}</div>
      ${actions}
      <div class="nav-links"><a id="nav-geo" href="${links.geo}">${t("d.navigate")} ➜</a><a id="nav-web" href="${links.web}" target="_blank" rel="noopener">${t("d.navigate_web")} ↗</a></div>`;
    box.querySelector("#act-emptied")?.addEventListener("click", () => report(next, { kind: "emptied" }));
    box.querySelector("#act-disposal")?.addEventListener("click", () => report(next, { kind: "disposal" }));
    box.querySelector("#act-skip")?.addEventListener("click", () => { skipping = true; render(); });
    box.querySelector("#skip-cancel")?.addEventListener("click", () => { skipping = false; render(); });
    box.querySelectorAll("[data-reason]").forEach((b) => b.addEventListener("click", () => report(next, { kind: "skipped", skip_reason: b.dataset.reason })));
  }
  $("#stop-list").innerHTML = state.stops.map((s) => {
    const done = state.done[s.id];
    const label = s.kind === "disposal" ? `${t("plan.disposal")}${s.name ? ` ${esc(s.name)}` : ""}` : esc(s.name || t("d.stop_container", { id: s.container_id }));
    const st = done ? (done.kind === "skipped" ? `${t("d.state.skipped")} (${t(`d.reason.${done.reason}`)})` : done.kind === "disposal" ? t("d.disposal_done") : t("d.state.emptied")) : fmtTime(s.eta);
    return `<li data-stop-id="${s.id}" class="${s.kind} ${done ? "done" : ""} ${s === next ? "current" : ""}">
      <span class="seq">${s.seq}</span><span class="name">${label}</span><span class="state">${st}</span></li>`;
  }).join("");
  highlightOnMap(next);
}

function report(stop, fields) {
  const event = { kind: fields.kind, stop_id: stop.id };
  if (fields.kind === "disposal") {
    event.weight_kg = Math.max(0, Math.round(stop.load_before_kg ?? 0));
    if (stop.disposal_site_id != null) event.disposal_site_id = stop.disposal_site_id;
  } else {
    event.container_id = stop.container_id;
    if (fields.skip_reason) event.skip_reason = fields.skip_reason;
  }
  queue.add(event);
  state.done[stop.id] = { kind: fields.kind, reason: fields.skip_reason };
  localStorage.setItem(doneKey(), JSON.stringify(state.done));
  skipping = false;
  render();
  flush();
}

function drawMap() {
  if (!map) return;
  routeLayer.clearLayers();
  const layers = [];
  for (const r of state.routes) {
    if (r.path.length > 1) layers.push(L.polyline(r.path, { color: "#0072b2", weight: 5, opacity: 0.8, className: "route-line" }).addTo(routeLayer));
    if (r.depot) layers.push(L.marker(r.depot, { icon: squareIcon("#123", "D") }).addTo(routeLayer));
  }
  for (const s of state.stops) {
    const icon = s.kind === "disposal" ? squareIcon("#7f3c8d", "⇩", "disposal") : squareIcon("#0072b2", s.seq, "stop-num");
    const m = L.marker([s.lat, s.lon], { icon, title: s.name || "" }).addTo(routeLayer);
    m.getElement()?.setAttribute("data-stop-id", s.id);
    s.marker = m;
    layers.push(m);
  }
  map.offlineBase?.update(state.stops.map((s) => ({ lat: s.lat, lon: s.lon, address: s.address })), "route");
  fitTo(map, layers);
  declutter();
}

const LABEL_PX = 22;  // a stop number needs this much room

/** No overlapping stop numbers: where stops fall within a label's width of one shown
 * already (the next stop first, then those to do, in order), they are drawn as a dot and
 * their numbers join the shown label ("3,4" or "3–7"). Again after every zoom. */
function declutter() {
  if (!map) return;
  const next = currentStop();
  const rank = (s) => (s === next ? 0 : state.done[s.id] ? 2 : 1);
  const order = [...state.stops].sort((a, b) => rank(a) - rank(b) || a.seq - b.seq);
  const shown = [];
  for (const s of order) {
    const el = s.marker?.getElement();
    if (!el) continue;
    const p = map.latLngToLayerPoint([s.lat, s.lon]);
    const owner = shown.find((o) => Math.abs(o.p.x - p.x) < LABEL_PX && Math.abs(o.p.y - p.y) < LABEL_PX);
    el.classList.toggle("stop-dot", Boolean(owner));
    s.marker.setZIndexOffset(owner ? -1000 : s === next ? 2000 : 1000);  // dots under labels
    if (owner) owner.seqs.push(s.seq);
    else shown.push({ s, p, seqs: [s.seq], el });
  }
  for (const { s, seqs, el } of shown) {
    const span = el.querySelector("span");
    if (!span || s.kind === "disposal") continue;
    const sorted = [...seqs].sort((a, b) => a - b);
    const run = sorted.every((v, i) => !i || v === sorted[i - 1] + 1);
    span.textContent = sorted.length === 1 ? sorted[0] : sorted.length <= 3 ? sorted.join(",")
      : run ? `${sorted[0]}–${sorted[sorted.length - 1]}` : `${sorted[0]},${sorted[1]}…`;
    el.dataset.seqs = sorted.join(",");
  }
}

function highlightOnMap(next) {
  for (const s of state.stops) {
    const el = s.marker?.getElement()?.querySelector("span");
    if (!el) continue;
    el.style.background = state.done[s.id] ? "#9aa0a6" : s === next ? "#d55e00" : s.kind === "disposal" ? "#7f3c8d" : "#0072b2";
    el.style.transform = s === next ? "scale(1.5)" : "";
  }
  declutter();
}

async function start() {
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  const me = api.me;
  setTimeZone(me?.timezone);
  if (!new URLSearchParams(location.search).get("date") && !started) $("#route-date").value = todayIso();
  started = true;
  $("#who").textContent = me ? `${me.tenant_id}` : "";
  queue = new EventQueue(`wasteroute.driver.queue.${me?.user_id}`);
  queue.onChange(updateConn);
  if (!map) {
    map = createMap($("#map"), $("#map-notice"));
    routeLayer = L.featureGroup().addTo(map);
    map.on("zoomend", declutter);
  }
  updateConn();
  await flush();
  await loadRoute();
}

function main() {
  localDateField($("#route-date"));
  applyI18n();
  bindLanguageSwitch($("#lang"));
  onLanguageChange(() => { updateConn(); render(); });
  $("#route-date").value = new URLSearchParams(location.search).get("date") || todayIso();
  $("#route-date").addEventListener("change", () => loadRoute());
  $("#refresh").addEventListener("click", async () => { await flush(); await loadRoute(); });
  $("#login-form").addEventListener("submit", onLogin);
  $("#logout").addEventListener("click", () => { api.logout(); showLogin(); });
  api.onUnauthorized = () => showLogin(t("login.failed", { msg: "401" }));
  window.addEventListener("online", flush);
  window.addEventListener("offline", updateConn);
  setInterval(flush, 15_000);
  // Keep the pages for offline reloads (needs a secure context: https, or localhost).
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("../sw.js", { scope: "../" }).catch(() => {});
  if (api.me?.role === "driver" && (api.token || !navigator.onLine)) start().catch((err) => showLogin(err.message));
  else showLogin();
}

main();
