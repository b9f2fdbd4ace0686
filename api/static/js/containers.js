// The planner's container layer: markers coloured by fill (now, or forecast for tomorrow),
// alarms standing out, and a detail card with the fill history chart and forecast.
import { esc } from "./api.js";
import { lineChart } from "./chart.js";
import { fillColour, fitTo } from "./map.js";
import { fmtDateTime, fmtDay, fmtNumber, fmtPct, fractionName, t } from "./i18n.js";

const L = window.L;
const DAY_MS = 86_400_000;

/** Linear forecast of the fill at noon tomorrow (local time) from a state's properties. */
export function fillTomorrow(p, now = new Date()) {
  if (p.fill_fraction === null || p.fill_fraction === undefined) return null;
  const noon = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 12);
  const from = p.measured_at ? new Date(p.measured_at) : now;
  const speed = p.filling_speed_per_day || 0;
  return Math.max(0, p.fill_fraction + speed * ((noon - from) / DAY_MS));
}

export function alarmsOf(p) {
  const health = (p.health || []).filter((h) => h !== "ok");
  return { alarms: p.alarms || [], health };
}

export class ContainerLayer {
  constructor(map, api, { summary, alarmList, detail, legend }) {
    Object.assign(this, { map, api, summary, alarmList, detail, legend });
    this.group = L.featureGroup().addTo(map);
    this.features = [];
    this.markers = new Map();
    this.colourBy = "now";
  }

  async load({ fit = false } = {}) {
    const fc = await this.api.get("/v1/state/map");
    this.features = fc.features || [];
    this.render();
    if (fit) fitTo(this.map, [this.group]);
    this.updateBase();
    return this.features.length;
  }

  /** The offline base map (map.js) from the containers' places and addresses. */
  async updateBase() {
    const base = this.map.offlineBase;
    if (!base) return;
    if (!this.addresses) {
      this.addresses = new Map();
      try {
        for (let offset = 0; offset < 10_000; offset += 1000) {
          const page = await this.api.get("/v1/containers", { limit: 1000, offset });
          for (const c of page.data || []) this.addresses.set(c.id, c.address || "");
          if ((page.data || []).length < 1000) break;
        }
      } catch { /* the base map then has no street names */ }
    }
    base.update(this.features.map((f) => ({ lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0],
      address: this.addresses.get(f.id) || "" })));
  }

  nameOf(id) {
    const f = this.features.find((x) => x.id === id);
    return f ? f.properties.external_id : `#${id}`;
  }

  latLngOf(id) {
    const f = this.features.find((x) => x.id === id);
    return f ? [f.geometry.coordinates[1], f.geometry.coordinates[0]] : null;
  }

  fractions() { return [...new Set(this.features.map((f) => f.properties.fraction))].sort(); }

  setColourBy(mode) { this.colourBy = mode; this.render(); }

  valueOf(p) { return this.colourBy === "tomorrow" ? fillTomorrow(p) : p.fill_fraction; }

  /** Draw the open container card again (after a language switch). */
  refreshDetail() {
    if (this.open && !this.detail.hidden) this.showDetail(this.open);
  }

  render() {
    this.group.clearLayers();
    this.markers.clear();
    let nAlarm = 0;
    const alarmItems = [];
    for (const f of this.features) {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      const { alarms, health } = alarmsOf(p);
      const value = this.valueOf(p);
      const isAlarm = alarms.length > 0;
      const classes = ["container-marker", isAlarm ? "alarm-marker" : "", health.length ? "health-marker" : ""];
      const marker = L.circleMarker([lat, lon], {
        radius: isAlarm ? 11 : 7, weight: isAlarm ? 4 : health.length ? 2.5 : 1.5,
        color: isAlarm ? "#b00020" : health.length ? "#5f2a84" : "#333",
        dashArray: !isAlarm && health.length ? "3 3" : null,
        fillColor: fillColour(value), fillOpacity: 0.92, className: classes.join(" "),
      });
      marker.bindTooltip(`${esc(p.external_id)} · ${fmtPct(value)}${isAlarm ? " · ⚠ " + alarms.map((a) => t(`alarm.${a}`)).join(", ") : ""}`);
      marker.on("click", () => this.showDetail(f));
      marker.addTo(this.group);
      const el = marker.getElement();
      if (el) {
        el.dataset.containerId = f.id;
        el.dataset.fill = value ?? "";
      }
      this.markers.set(f.id, marker);
      if (isAlarm || health.length) {
        if (isAlarm) nAlarm += 1;
        alarmItems.push({ f, alarms, health });
      }
    }
    this.group.eachLayer((m) => { if (m.options.className.includes("alarm-marker")) m.bringToFront(); });
    this.summary.innerHTML = `<span id="container-count" data-count="${this.features.length}">${t("map.containers", { n: this.features.length })}</span>`
      + ` · <span class="alarm-count" data-count="${nAlarm}">${t("map.alarms", { n: nAlarm })}</span>`;
    alarmItems.sort((a, b) => b.alarms.length - a.alarms.length);
    this.alarmList.innerHTML = alarmItems.slice(0, 50).map(({ f, alarms, health }) =>
      `<li data-container-id="${f.id}" class="${alarms.length ? "has-alarm" : "has-health"}"><b>${esc(f.properties.external_id)}</b> `
      + alarms.map((a) => `<span class="badge alarm">${t(`alarm.${a}`)}</span>`).join("")
      + health.map((h) => `<span class="badge health">${t(`health.${h}`)}</span>`).join("") + "</li>").join("");
    this.alarmList.querySelectorAll("li").forEach((li) => li.addEventListener("click", () => {
      const f = this.features.find((x) => String(x.id) === li.dataset.containerId);
      if (f) { this.map.setView([f.geometry.coordinates[1], f.geometry.coordinates[0]], 17); this.showDetail(f); }
    }));
    this.renderLegend();
  }

  renderLegend() {
    const steps = [0, 0.25, 0.5, 0.75, 1];
    this.legend.innerHTML = `<b>${t("map.legend")}</b> `
      + steps.map((s) => `<span class="swatch" style="background:${fillColour(s)}"></span>${fmtPct(s)}`).join(" ")
      + ` <span class="swatch" style="background:${fillColour(null)}"></span>${t("map.unknown")}`
      + ` <span class="swatch ring"></span>${t("map.alarm")}`;
  }

  async showDetail(feature) {
    const p = feature.properties;
    const { alarms, health } = alarmsOf(p);
    const d = this.detail;
    this.open = feature;
    d.hidden = false;
    d.dataset.containerId = feature.id;
    d.innerHTML = `<header><h3>${esc(p.external_id)}</h3><button type="button" class="close">${t("close")}</button></header>
      <dl class="facts">
        <dt>${t("c.fill")}</dt><dd class="fill-now">${fmtPct(p.fill_fraction)}</dd>
        <dt>${t("c.tomorrow")}</dt><dd>${fmtPct(fillTomorrow(p))}</dd>
        <dt>${t("c.forecast_full")}</dt><dd>${fmtDateTime(p.forecast_full_date)}</dd>
        <dt>${t("c.speed")}</dt><dd>${p.filling_speed_per_day == null ? "–" : t("c.per_day", { v: fmtPct(p.filling_speed_per_day) })}</dd>
        <dt>${t("c.measured_at")}</dt><dd>${fmtDateTime(p.measured_at)}</dd>
        <dt>${t("c.last_emptied")}</dt><dd class="last-emptied">${fmtDateTime(p.date_last_emptying)}</dd>
        <dt>${t("c.fraction")}</dt><dd>${esc(fractionName(p.fraction))}</dd>
        <dt>${t("c.battery")}</dt><dd>${p.battery_pct == null ? "–" : fmtNumber(p.battery_pct, 0) + "%"}</dd>
        <dt>${t("c.temperature")}</dt><dd>${p.temperature_c == null ? "–" : fmtNumber(p.temperature_c) + " °C"}</dd>
        <dt>${t("c.alarms")}</dt><dd>${alarms.map((a) => `<span class="badge alarm">${t(`alarm.${a}`)}</span>`).join("") || t("none")}</dd>
        <dt>${t("c.health")}</dt><dd>${(health.length ? health : ["ok"]).map((h) => `<span class="badge ${h === "ok" ? "" : "health"}">${t(`health.${h}`)}</span>`).join("")}</dd>
      </dl>
      <h4>${t("c.history")}</h4><div class="chart-box">${t("loading")}</div>`;
    d.querySelector(".close").addEventListener("click", () => { d.hidden = true; });
    const box = d.querySelector(".chart-box");
    try {
      const end = new Date();
      const start = new Date(+end - 14 * DAY_MS);
      const r = await this.api.get(`/v1/containers/${feature.id}/readings`,
        { start: start.toISOString(), end: end.toISOString(), bucket_s: 3 * 3600, limit: 500 });
      box.replaceChildren(historyChart(r.data || [], p));
      if (!(r.data || []).length) box.insertAdjacentHTML("beforeend", `<p class="muted">${t("c.no_readings")}</p>`);
    } catch (err) {
      box.textContent = t("error", { msg: err.message });
    }
  }
}

function historyChart(buckets, p) {
  const history = buckets.map((b) => [new Date(b.bucket_start), b.fill_last ?? b.fill_avg]);
  const series = [{ points: history, colour: "#0072b2", label: t("c.measured"), key: "history" }];
  const lastT = history.length ? history[history.length - 1][0] : (p.measured_at ? new Date(p.measured_at) : new Date());
  const lastF = history.length ? history[history.length - 1][1] : p.fill_fraction;
  const marks = [];
  if (lastF != null && p.filling_speed_per_day > 0) {
    const days = Math.min(7, Math.max(1, (1.05 - lastF) / p.filling_speed_per_day));
    const endT = new Date(+lastT + days * DAY_MS);
    series.push({ points: [[lastT, lastF], [endT, lastF + p.filling_speed_per_day * days]],
      colour: "#d55e00", dashed: true, label: t("c.forecast"), key: "forecast" });
    if (p.forecast_full_date) marks.push({ x: new Date(p.forecast_full_date), label: t("c.forecast") });
  }
  return lineChart(series, { label: t("c.history"), marks: marks.filter((m) => +m.x <= +lastT + 7 * DAY_MS),
    xLabel: t("chart.date"), yLabel: t("c.fill"), dayLabel: fmtDay });
}
