// Tomorrow's plan: make it (POST /v1/plans → 202 jobs, polled), see its routes on the map in
// distinct colours with disposal trips, the must/optional/skipped counts and why, km and
// hours per vehicle; publish it.
import { esc } from "./api.js";
import { stackBar } from "./chart.js";
import { fmtDateTime, fmtNumber, fmtTime, fractionName, t } from "./i18n.js";
import { fitTo, routeColour, squareIcon } from "./map.js";
import { reasonText } from "./reasons.js";
import { normaliseRoutes } from "./route_data.js";

const L = window.L;
const POLL_MS = 1000;
const DECISION_COLOURS = { must: "#d62728", optional: "#e69f00", skip: "#9aa0a6" };

export class PlanView {
  /** els: {form, date, fraction, timeLimit, status, view, legend, onChange, containerName, fractions} */
  constructor(map, api, els) {
    Object.assign(this, { map, api, els });
    this.layer = L.featureGroup();
    this.plans = [];      // details of the newest version per fraction for the date
    this.routes = {};     // plan id -> normalised routes (published plans)
    this.busy = false;
    this.visible = false;
    this.colourIndex = new Map();  // "plan id:route no" -> colour index
    els.form.addEventListener("submit", (e) => { e.preventDefault(); this.make(); });
    els.date.addEventListener("change", () => this.load());
    els.view.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-publish]");
      if (button) this.publish(+button.dataset.publish);
    });
  }

  show() {
    this.layer.addTo(this.map);
    this.visible = true;
    this.fillFractions();
    this.load();
  }

  hide() {
    this.layer.remove();
    this.visible = false;
    if (this.els.legend) this.els.legend.hidden = true;
  }

  /** One colour per route over every plan shown (fractions' plans each start at route 1). */
  colourOf(plan, route) {
    const key = `${plan.id}:${route.route_no}`;
    if (!this.colourIndex.has(key)) this.colourIndex.set(key, this.colourIndex.size);
    return routeColour(this.colourIndex.get(key));
  }

  /** The map's route legend: a swatch, the vehicle and the fraction of each route. */
  renderLegend() {
    const legend = this.els.legend;
    if (!legend) return;
    const items = this.plans.flatMap((p) => p.routes.map((r) => ({ p, r })));
    legend.hidden = !this.visible || !items.length;
    legend.innerHTML = `<b>${t("plan.routes")}</b>` + items.map(({ p, r }) =>
      `<span class="route-key" data-route-no="${r.route_no}" data-plan-id="${p.id}"><i style="background:${this.colourOf(p, r)}"></i>${esc(r.vehicle_name)} · ${esc(fractionName(p.fraction))}</span>`).join("");
  }

  fillFractions() {
    const select = this.els.fraction;
    const current = select.value;
    const fractions = this.els.fractions();
    select.innerHTML = `<option value="">${t("plan.all_fractions")}</option>`
      + fractions.map((f) => `<option value="${esc(f)}">${esc(fractionName(f))}</option>`).join("");
    select.value = fractions.includes(current) ? current : "";
  }

  /** `text`: a function giving the text in the current language (kept for a switch). */
  setStatus(text, cls = "") {
    this.statusText = text;
    this.els.status.textContent = text();
    this.els.status.className = `status ${cls}`;
  }

  /** The newest version of each fraction's plan for the chosen date, with details and routes. */
  async load() {
    try {
      const list = await this.api.get("/v1/plans", { date: this.els.date.value, limit: 100 });
      const newest = new Map();
      for (const p of list.data) {
        const seen = newest.get(p.fraction);
        if (!seen || p.version > seen.version) newest.set(p.fraction, p);
      }
      const wanted = this.els.fraction.value;
      const chosen = [...newest.values()].filter((p) => !wanted || p.fraction === wanted);
      this.plans = await Promise.all(chosen.map((p) => this.api.get(`/v1/plans/${p.id}`)));
      await this.loadRoutes();
      this.render();
    } catch (err) {
      this.setStatus(() => err.status === 404 ? t("plan.not_available") : t("error", { msg: err.message }), "error");
    }
  }

  async loadRoutes() {
    this.routes = {};
    for (const p of this.plans) {  // if the API gives a plan's stops, drafts show too
      if (p.routes.some((r) => Array.isArray(r.stops))) {
        this.routes[p.id] = normaliseRoutes({ routes: p.routes.map((r) => ({ ...r, plan_id: p.id })) });
      }
    }
    const withStops = (p) => p.routes.some((x) => Array.isArray(x.stops));
    if (!this.plans.some((p) => p.status === "published" && !withStops(p))) return;
    const data = await this.api.get("/v1/routes", { date: this.els.date.value });
    for (const r of normaliseRoutes(data)) {
      if (!this.plans.find((p) => p.id === r.plan_id && withStops(p))) {
        (this.routes[r.plan_id] ||= []).push(r);
      }
    }
  }

  async make() {
    if (this.busy) return;
    this.busy = true;
    this.els.form.querySelector("button[type=submit]").disabled = true;
    try {
      const body = { plan_date: this.els.date.value, time_limit_s: +this.els.timeLimit.value || 30 };
      if (this.els.fraction.value) body.fraction = this.els.fraction.value;
      const queued = await this.api.post("/v1/plans", body);
      for (const job of queued.jobs) {
        if (job.status_url) await this.follow(job);
      }
      this.setStatus(() => t("plan.done"), "ok");
      await this.load();
    } catch (err) {
      this.setStatus(() => t("plan.failed", { msg: err.message }), "error");
    } finally {
      this.busy = false;
      this.els.form.querySelector("button[type=submit]").disabled = false;
    }
  }

  async follow(job) {
    for (;;) {
      const s = await this.api.get(job.status_url);
      this.setStatus(() => t("plan.running", { status: `${fractionName(job.fraction)}: ${t(`job.${s.status}`)}` }));
      if (s.status === "succeeded") return s;
      if (["failed", "cancelled", "aborted"].includes(s.status)) throw new Error(`${fractionName(job.fraction)}: ${t(`job.${s.status}`)}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async publish(planId) {
    try {
      await this.api.post(`/v1/plans/${planId}/publish`, {});
      this.setStatus(() => t("plan.publish_ok"), "ok");
      await this.load();
      this.els.onChange?.();
    } catch (err) {
      this.setStatus(() => t("error", { msg: err.message }), "error");
    }
  }

  render() {
    const view = this.els.view;
    if (this.statusText) this.els.status.textContent = this.statusText();
    this.colourIndex = new Map();
    this.plans.forEach((p) => p.routes.forEach((r) => this.colourOf(p, r)));
    this.renderLegend();
    if (!this.plans.length) {
      view.innerHTML = `<p class="muted" id="plan-none">${t("plan.none")}</p>`;
      this.drawRoutes();
      return;
    }
    view.innerHTML = this.plans.map((p) => this.planHtml(p)).join("");
    this.drawRoutes();
  }

  planHtml(p) {
    const routes = this.routes[p.id] || [];
    const colourOf = (r) => this.colourOf(p, r);
    const served = p.decisions.filter((d) => d.served).length;
    const unserved = p.decisions.filter((d) => d.decision === "must" && !d.served);
    const reasons = {};
    for (const d of p.decisions) {
      const key = `${d.decision}|${d.reason}`;
      reasons[key] = (reasons[key] || 0) + 1;
    }
    const rows = p.routes.map((r) => `<tr data-route-no="${r.route_no}"><td><span class="route-swatch" style="background:${colourOf(r)}"></span>${esc(r.vehicle_name)}</td>
      <td class="num">${fmtNumber(r.distance_m / 1000, 1)}</td><td class="num">${fmtNumber(r.duration_s / 3600, 2)}</td>
      <td class="num">${r.n_containers}</td><td class="num">${r.n_unloads}</td><td>${fmtTime(r.start_at)}–${fmtTime(r.end_at)}</td></tr>`).join("");
    const publish = p.status === "draft"
      ? `<button type="button" class="primary" id="publish-${p.id}" data-publish="${p.id}">${t("plan.publish")}</button>` : "";
    const noMap = p.status === "draft" && p.routes.length && !routes.length
      ? `<p class="muted draft-note">${t("plan.draft_map")}</p>` : "";
    return `<article class="plan" data-plan-id="${p.id}" data-status="${p.status}">
      <div class="plan-head"><h2>${esc(fractionName(p.fraction))} · ${t("plan.version", { v: p.version })}</h2>
        <span class="badge plan-status">${t(`plan.${p.status}`)}</span>${publish}</div>
      <p class="muted">${fmtDateTime(p.created_at)} · ${esc(t(`solver.${p.solver_status}`).startsWith("solver.") ? p.solver_status : t(`solver.${p.solver_status}`))} · ${fmtNumber(p.solve_time_s, 1)} s</p>
      ${stackBar([{ label: t("plan.must"), value: p.n_must, colour: DECISION_COLOURS.must },
    { label: t("plan.optional"), value: p.n_optional, colour: DECISION_COLOURS.optional },
    { label: t("plan.skip"), value: p.n_skipped, colour: DECISION_COLOURS.skip }])}
      <p class="counts" data-must="${p.n_must}" data-optional="${p.n_optional}" data-skipped="${p.n_skipped}" data-served="${served}">
        ${t("plan.served")}: <b>${served}</b> · ${t("plan.unserved")} (${t("plan.must")}): <b>${unserved.length}</b></p>
      ${noMap}
      <table class="vehicles"><thead><tr><th>${t("plan.vehicle")}</th><th class="num">${t("plan.km")}</th><th class="num">${t("plan.hours")}</th>
        <th class="num">${t("plan.stops")}</th><th class="num">${t("plan.unloads")}</th><th></th></tr></thead>
        <tbody>${rows}</tbody>
        <tfoot><tr><th>${t("plan.total")}</th><th class="num">${fmtNumber(p.distance_m / 1000, 1)}</th><th class="num">${fmtNumber(p.duration_s / 3600, 2)}</th>
        <th class="num">${p.routes.reduce((a, r) => a + r.n_containers, 0)}</th><th class="num">${p.routes.reduce((a, r) => a + r.n_unloads, 0)}</th><th></th></tr></tfoot></table>
      <details class="reasons" open><summary>${t("plan.reason_counts")}</summary><table>
        ${Object.entries(reasons).sort((a, b) => b[1] - a[1]).map(([k, n]) => {
    const [decision, reason] = k.split("|");
    return `<tr><td><span class="badge" style="background:${DECISION_COLOURS[decision]};color:#fff">${t(`plan.${decision}`)}</span></td><td>${esc(reasonText(reason))}</td><td class="num">${n}</td></tr>`;
  }).join("")}</table></details>
      ${unserved.length ? `<details open class="unserved"><summary>${t("plan.unserved")}</summary><ul>${unserved.map((d) =>
    `<li>${esc(this.els.containerName(d.container_id))}: ${esc(reasonText(d.unserved_reason || d.reason))}</li>`).join("")}</ul></details>` : ""}
      <details class="decisions"><summary>${t("plan.decisions")} (${p.decisions.length})</summary><table>
        <thead><tr><th>${t("plan.container")}</th><th></th><th>${t("plan.why")}</th><th class="num">${t("plan.fill_at_service")}</th></tr></thead>
        ${p.decisions.map((d) => `<tr data-container-id="${d.container_id}" data-decision="${d.decision}"><td>${esc(this.els.containerName(d.container_id))}</td>
          <td>${t(`plan.${d.decision}`)}${d.served ? " ✔" : ""}</td><td>${esc(reasonText(d.reason))}</td><td class="num">${d.fill_at_service == null ? "–" : Math.round(d.fill_at_service * 100) + "%"}</td></tr>`).join("")}
      </table></details></article>`;
  }

  drawRoutes() {
    this.layer.clearLayers();
    const drawn = [];
    for (const p of this.plans) {
      for (const r of this.routes[p.id] || []) {
        const summary = p.routes.find((x) => x.route_no === r.route_no);
        const colour = summary ? this.colourOf(p, summary) : routeColour(0);
        const line = L.polyline(r.path, { color: colour, weight: 4, opacity: 0.85, className: "route-line" });
        line.bindTooltip(`${esc(r.vehicle_name)} · ${fmtNumber(r.distance_m / 1000, 1)} km`);
        line.addTo(this.layer);
        line.getElement()?.setAttribute("data-route-no", r.route_no);
        line.getElement()?.setAttribute("data-plan-id", p.id);
        drawn.push(line);
        if (r.depot) L.marker(r.depot, { icon: squareIcon("#123", "D"), title: t("plan.depot") }).addTo(this.layer);
        for (const s of r.stops.filter((x) => x.kind === "disposal")) {
          L.marker([s.lat, s.lon], { icon: squareIcon(colour, "⇩", "disposal"), title: `${t("plan.disposal")} ${s.name}` }).addTo(this.layer);
        }
      }
    }
    for (const p of this.plans) {
      if ((this.routes[p.id] || []).length) continue;
      for (const d of p.decisions.filter((x) => x.served)) {  // no stops: ring what the plan serves
        const ll = this.els.containerLatLng(d.container_id);
        if (ll) drawn.push(L.circleMarker(ll, { radius: 13, color: "#0072b2", weight: 3, dashArray: "4 3", fill: false,
          interactive: false, className: "planned-ring" }).addTo(this.layer));
      }
    }
    if (drawn.length) fitTo(this.map, drawn);
  }
}
