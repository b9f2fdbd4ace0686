// KPIs over a period as charts: the period's totals, and per-week bars (one request a week).
import { esc, isoDate, todayIso } from "./api.js";
import { barChart } from "./chart.js";
import { fmtDay, fmtNumber, fmtPct, t } from "./i18n.js";

const WEEK_MS = 7 * 86_400_000;

function weeks(start, end) {
  const out = [];
  for (let s = new Date(`${start}T12:00:00`); isoDate(s) <= end; s = new Date(+s + WEEK_MS)) {
    const e = new Date(+s + WEEK_MS - 86_400_000);
    out.push([isoDate(s), isoDate(e) > end ? end : isoDate(e)]);
  }
  return out.slice(-12);
}

export function setupKpis(api, { form, start, end, view }) {
  end.value = todayIso();
  start.value = todayIso(-27);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    view.innerHTML = `<p>${t("loading")}</p>`;
    try {
      const [total, ...perWeek] = await Promise.all([
        api.get("/v1/kpis", { start: start.value, end: end.value }),
        ...weeks(start.value, end.value).map(([s, e]) => api.get("/v1/kpis", { start: s, end: e })),
      ]);
      render(view, total, perWeek);
    } catch (err) {
      view.innerHTML = `<p class="error">${esc(t("error", { msg: err.message }))}</p>`;
    }
  });
}

function render(view, k, perWeek) {
  const tiles = [["kpi.km", fmtNumber(k.km, 1), "km"], ["kpi.hours", fmtNumber(k.hours, 1), "hours"],
    ["kpi.collections", fmtNumber(k.collections, 0), "collections"], ["kpi.avg_fill", fmtPct(k.avg_fill_at_emptying), "avg_fill_at_emptying"],
    ["kpi.overflows", fmtNumber(k.overflows, 0), "overflows"], ["kpi.skipped", fmtNumber(k.skipped_stops, 0), "skipped_stops"],
    ["kpi.disposal_trips", fmtNumber(k.disposal_trips, 0), "disposal_trips"]];
  view.innerHTML = `<div class="kpi-tiles">${tiles.map(([key, v, name]) =>
    `<div class="kpi" data-kpi="${name}"><b>${v}</b><span>${t(key)}</span></div>`).join("")}</div>`;
  const label = (w) => fmtDay(new Date(`${w.start}T12:00:00`));
  const charts = [["kpi.km", "km", "#0072b2", (v) => fmtNumber(v, 0)],
    ["kpi.collections", "collections", "#009e73", (v) => fmtNumber(v, 0)],
    ["kpi.avg_fill", "avg_fill_at_emptying", "#e69f00", fmtPct],
    ["kpi.overflows", "overflows", "#d55e00", (v) => fmtNumber(v, 0)]];
  for (const [key, field, colour, fmt] of charts) {
    const fig = document.createElement("figure");
    fig.className = "kpi-chart";
    fig.dataset.kpi = field;
    fig.innerHTML = `<figcaption>${t(key)} · ${t("kpi.per_week")}</figcaption>`;
    fig.appendChild(barChart(perWeek.map((w) => ({ label: label(w), value: w[field] ?? 0, colour })),
      { label: t(key), fmt, xLabel: t("kpi.week_of"), yLabel: t(key) }));
    view.appendChild(fig);
  }
  const reasons = ["blocked", "broken", "not_out", "already_empty"];
  const fig = document.createElement("figure");
  fig.className = "kpi-chart";
  fig.innerHTML = `<figcaption>${t("kpi.skip_reasons")}</figcaption>`;
  fig.appendChild(barChart(reasons.map((r) => ({ label: t(`d.reason.${r}`), value: k[`skipped_${r}`] ?? 0, colour: "#7f3c8d" })),
    { label: t("kpi.skip_reasons"), fmt: (v) => fmtNumber(v, 0), xLabel: t("kpi.reason"), yLabel: t("kpi.skipped") }));
  view.appendChild(fig);
}
