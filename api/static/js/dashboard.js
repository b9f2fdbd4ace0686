// The planner's dashboard: log in, containers on the map, tomorrow's plan, KPIs, trial report.
import { Api, todayIso } from "./api.js";
import { ContainerLayer } from "./containers.js";
import { localDateField } from "./datefield.js";
import { applyI18n, bindLanguageSwitch, onLanguageChange, setTimeZone, t } from "./i18n.js";
import { setupKpis } from "./kpis.js";
import { createMap } from "./map.js";
import { PlanView } from "./plan.js";
import { setupTrial } from "./trial.js";

const $ = (sel) => document.querySelector(sel);
const api = new Api(sessionStorage, "wasteroute.planner.token");
let started = false;
let containers;
let planView;

function showLogin(message = "") {
  $("#app").hidden = true;
  $("#tabs").hidden = true;
  $("#logout").hidden = true;
  $("#who").textContent = "";
  $("#login").hidden = false;
  $("#login-error").textContent = message;
  $("#username").focus();
}

async function onLogin(event) {
  event.preventDefault();
  $("#login-error").textContent = "";
  try {
    const me = await api.login($("#username").value.trim(), $("#password").value);
    if (me.role !== "planner") {
      api.logout();
      showLogin(t("login.wrong_role", { role: "planner", actual: me.role }));
      return;
    }
    $("#password").value = "";
    await start();
  } catch (err) {
    showLogin(t("login.failed", { msg: err.message }));
  }
}

function switchTab(name) {
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".tab-panel").forEach((p) => { p.hidden = p.dataset.panel !== name; });
  document.body.dataset.tab = name;
  if (name === "map" && planView) planView.hide();
  if (name === "plan" && planView) planView.show();
}

/** The Plan tab opens on a date that has a plan: tomorrow if it has one, else today, else the
 * newest planned date; tomorrow (where the tenant is) if there is no plan at all. */
async function openingPlanDate() {
  const tomorrow = todayIso(1);
  try {
    const dates = new Set((await api.get("/v1/plans", { limit: 100 })).data.map((p) => p.plan_date));
    if (dates.has(tomorrow)) return tomorrow;
    if (dates.has(todayIso())) return todayIso();
    const past = [...dates].filter((d) => d < tomorrow).sort();
    return past.length ? past[past.length - 1] : tomorrow;
  } catch {
    return tomorrow;
  }
}

async function start() {
  const me = api.me;
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#tabs").hidden = false;
  $("#logout").hidden = false;
  setTimeZone(me?.timezone);
  $("#who").textContent = me ? `${me.tenant_id}${me.timezone ? ` · ${me.timezone}` : ""}` : "";
  if (started) { await containers.load({ fit: true }); return; }
  started = true;
  $("#plan-date").value = await openingPlanDate();
  const map = createMap($("#map"), $("#map-notice"));
  containers = new ContainerLayer(map, api, { summary: $("#map-summary"), alarmList: $("#alarm-list"),
    detail: $("#container-detail"), legend: $("#legend") });
  $("#colour-by").addEventListener("change", (e) => containers.setColourBy(e.target.value));
  planView = new PlanView(map, api, { form: $("#plan-form"), date: $("#plan-date"), fraction: $("#plan-fraction"),
    timeLimit: $("#plan-time-limit"), status: $("#plan-status"), view: $("#plan-view"), legend: $("#route-legend"),
    onChange: () => containers.load(), containerName: (id) => containers.nameOf(id),
    containerLatLng: (id) => containers.latLngOf(id),
    fractions: () => containers.fractions() });
  setupKpis(api, { form: $("#kpi-form"), start: $("#kpi-start"), end: $("#kpi-end"), view: $("#kpi-view") });
  setupTrial(api, { server: $("#trial-server"), file: $("#trial-file"), frame: $("#trial-frame"), none: $("#trial-none") });
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => switchTab(b.dataset.tab)));
  onLanguageChange(() => {
    containers.render();
    containers.refreshDetail();
    planView.fillFractions();
    planView.render();
  });
  const requested = new URLSearchParams(location.hash.slice(1)).get("tab");
  switchTab(requested || "map");
  await containers.load({ fit: true });
  setInterval(() => containers.load().catch(() => {}), 60_000);
}

function main() {
  ["#plan-date", "#kpi-start", "#kpi-end"].forEach((sel) => localDateField($(sel)));
  applyI18n();
  bindLanguageSwitch($("#lang"));
  $("#login-form").addEventListener("submit", onLogin);
  $("#logout").addEventListener("click", () => { api.logout(); showLogin(); });
  api.onUnauthorized = () => showLogin(t("login.failed", { msg: "401" }));
  $("#plan-date").value = todayIso(1);
  if (api.token && api.me?.role === "planner") start().catch((err) => showLogin(err.message));
  else showLogin();
}

main();
