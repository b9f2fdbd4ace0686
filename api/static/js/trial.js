// The simulator's trial report: the reports the server offers for this tenant
// (GET /v1/reports: the HTML files in API_REPORTS_DIR/<tenant>/), or a report file opened from
// disk. A report is shown in a sandboxed iframe (no scripts): `wasteroute trial` writes
// self-contained HTML + SVG.
import { esc } from "./api.js";
import { fmtDateTime, t } from "./i18n.js";

export async function setupTrial(api, { server, file, frame, none }) {
  const show = (html, name = "") => {
    frame.srcdoc = html;
    frame.dataset.report = name;
    frame.hidden = false;
    none.hidden = true;
  };
  file.addEventListener("change", async () => {
    const f = file.files && file.files[0];
    if (f) show(await f.text(), f.name);
  });
  let listing;
  try {
    listing = await api.get("/v1/reports");
  } catch (err) {
    server.innerHTML = err.status === 404
      ? `<p class="muted" id="trial-missing">${t("trial.missing")}</p>`
      : `<p class="error">${esc(t("error", { msg: err.message }))}</p>`;
    return;
  }
  const items = listing.data || [];
  if (!items.length) {
    server.innerHTML = `<p class="muted" id="trial-empty">${t(listing.configured === false ? "trial.missing" : "trial.empty")}</p>`;
    return;
  }
  server.innerHTML = `<h3>${t("trial.available")}</h3><ul class="trial-list">${items.map((r, i) =>
    `<li><a href="#" data-i="${i}" data-name="${esc(r.name)}">${esc(r.title || r.name)}</a>
      <span class="muted">${esc(r.name)} · ${fmtDateTime(r.modified_at)}</span></li>`).join("")}</ul>`;
  server.querySelectorAll("a[data-i]").forEach((a) => a.addEventListener("click", async (e) => {
    e.preventDefault();
    const item = items[+a.dataset.i];
    try {
      const r = await fetch(item.url || `/v1/reports/${encodeURIComponent(item.name)}`,
        { headers: { Authorization: `Bearer ${api.token}`, Accept: "text/html" } });
      if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
      show(await r.text(), item.name);
    } catch (err) {
      server.insertAdjacentHTML("beforeend", `<p class="error">${esc(t("error", { msg: err.message }))}</p>`);
    }
  }));
}
