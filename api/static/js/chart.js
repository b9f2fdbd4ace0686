// Small inline-SVG charts: a time line (fill history with a dashed forecast) and bars. Both
// label their axes (xLabel, yLabel) and the line chart names its series in a legend; day
// ticks are formatted by the caller (dayLabel), so they follow the page's language.
import { esc } from "./api.js";

const NS = "http://www.w3.org/2000/svg";
const W = 520;
const H = 200;
const PAD = { l: 52, r: 12, t: 22, b: 40 };

function axisTitles(el, width, height, { xLabel = "", yLabel = "" }) {
  if (xLabel) add(el, "text", { x: PAD.l + (width - PAD.l - PAD.r) / 2, y: height - 4, class: "axis-title x-title", "text-anchor": "middle" }, xLabel);
  if (yLabel) {
    add(el, "text", { x: 12, y: PAD.t + (height - PAD.t - PAD.b) / 2, class: "axis-title y-title", "text-anchor": "middle",
      transform: `rotate(-90 12 ${PAD.t + (height - PAD.t - PAD.b) / 2})` }, yLabel);
  }
}

const defaultDay = (d) => `${d.getDate()}/${d.getMonth() + 1}`;

function svg(width = W, height = H, label = "") {
  const el = document.createElementNS(NS, "svg");
  el.setAttribute("viewBox", `0 0 ${width} ${height}`);
  el.setAttribute("class", "chart");
  el.setAttribute("role", "img");
  if (label) el.setAttribute("aria-label", label);
  return el;
}

function add(parent, tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  parent.appendChild(el);
  return el;
}

/**
 * A line chart of fractions (0..yMax) over time.
 * series: [{points: [[Date, value], ...], colour, dashed, label, key}]; marks: [{x: Date, label}]
 * (label: shown in the legend; key: a stable name for the path's data-label)
 */
export function lineChart(series, { yMax = 1.2, label = "", marks = [], levels = [0.8, 1.0], xLabel = "",
  yLabel = "", dayLabel = defaultDay } = {}) {
  const el = svg(W, H, label);
  const all = series.flatMap((s) => s.points);
  if (!all.length) return el;
  const xs = all.map(([x]) => +x);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 3600_000);
  const ymax = Math.max(yMax, ...all.map(([, y]) => y));
  const sx = (x) => PAD.l + ((+x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
  const sy = (y) => H - PAD.b - (y / ymax) * (H - PAD.t - PAD.b);
  for (let y = 0; y <= ymax + 1e-9; y += 0.25) {
    add(el, "line", { x1: PAD.l, x2: W - PAD.r, y1: sy(y), y2: sy(y), class: "grid" });
    add(el, "text", { x: PAD.l - 4, y: sy(y) + 4, class: "tick", "text-anchor": "end" }, `${Math.round(y * 100)}%`);
  }
  for (const lv of levels) {
    add(el, "line", { x1: PAD.l, x2: W - PAD.r, y1: sy(lv), y2: sy(lv), class: "level" });
  }
  const days = Math.max(1, Math.round((x1 - x0) / 86_400_000));
  const step = Math.max(1, Math.ceil(days / 7));
  const first = new Date(x0); first.setHours(0, 0, 0, 0);
  for (let d = new Date(first); +d <= x1; d.setDate(d.getDate() + step)) {
    if (+d < x0) continue;
    add(el, "line", { x1: sx(d), x2: sx(d), y1: H - PAD.b, y2: H - PAD.b + 4, class: "axis" });
    add(el, "text", { x: sx(d), y: H - PAD.b + 14, class: "tick day-tick", "text-anchor": "middle" }, dayLabel(d));
  }
  axisTitles(el, W, H, { xLabel, yLabel });
  let lx = PAD.l;
  for (const s of series.filter((x) => x.label && x.points.length)) {  // legend, top left
    add(el, "line", { x1: lx, x2: lx + 18, y1: 9, y2: 9, stroke: s.colour || "#0072b2", "stroke-width": 2,
      "stroke-dasharray": s.dashed ? "6 4" : "none" });
    const text = add(el, "text", { x: lx + 22, y: 13, class: "tick legend-item" }, s.label);
    lx += 30 + 6.5 * text.textContent.length;
  }
  add(el, "line", { x1: PAD.l, x2: W - PAD.r, y1: H - PAD.b, y2: H - PAD.b, class: "axis" });
  for (const s of series) {
    if (!s.points.length) continue;
    const d = s.points.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
    add(el, "path", { d, fill: "none", stroke: s.colour || "#0072b2", "stroke-width": 2,
      "stroke-dasharray": s.dashed ? "6 4" : "none", class: "series", "data-label": s.key || s.label || "" });
  }
  for (const m of marks) {
    add(el, "line", { x1: sx(m.x), x2: sx(m.x), y1: PAD.t, y2: H - PAD.b, class: "mark" });
    add(el, "text", { x: sx(m.x) + 3, y: PAD.t + 10, class: "tick" }, m.label);
  }
  return el;
}

/** Vertical bars: items [{label, value, colour}], formatted with fmt. */
export function barChart(items, { label = "", fmt = (v) => String(v), height = 200, xLabel = "", yLabel = "" } = {}) {
  const width = Math.max(260, items.length * 46 + PAD.l + PAD.r);
  const el = svg(width, height, label);
  const vmax = Math.max(1e-9, ...items.map((i) => i.value || 0));
  const bw = (width - PAD.l - PAD.r) / Math.max(1, items.length);
  const sy = (v) => height - PAD.b - (v / vmax) * (height - PAD.t - PAD.b - 12);
  add(el, "line", { x1: PAD.l, x2: width - PAD.r, y1: height - PAD.b, y2: height - PAD.b, class: "axis" });
  items.forEach((item, i) => {
    const x = PAD.l + i * bw + bw * 0.15;
    const y = sy(item.value || 0);
    add(el, "rect", { x, y, width: bw * 0.7, height: height - PAD.b - y, fill: item.colour || "#0072b2",
      class: "bar", "data-value": item.value ?? "" });
    add(el, "text", { x: x + bw * 0.35, y: y - 3, class: "tick", "text-anchor": "middle" }, fmt(item.value));
    add(el, "text", { x: x + bw * 0.35, y: height - PAD.b + 14, class: "tick", "text-anchor": "middle" }, item.label);
  });
  axisTitles(el, width, height, { xLabel, yLabel });
  return el;
}

/** A one-line horizontal stacked bar (e.g. must/optional/skipped). */
export function stackBar(parts) {
  const total = parts.reduce((a, p) => a + (p.value || 0), 0) || 1;
  return `<div class="stackbar">${parts.map((p) => `<span style="flex:${p.value || 0};background:${p.colour}" title="${esc(p.label)}: ${p.value}"></span>`).join("")}</div>`
    + `<div class="stackbar-legend">${parts.map((p) => `<span><i style="background:${p.colour}"></i>${esc(p.label)} <b>${p.value}</b> (${Math.round(100 * (p.value || 0) / total)}%)</span>`).join("")}</div>`;
}
