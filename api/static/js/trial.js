// The simulator's trial report: reports the server offers (when the API has an endpoint for
// them, found in its OpenAPI document), else a report file opened from disk. A report is shown
// in a sandboxed iframe (no scripts): `wasteroute trial` writes self-contained HTML + SVG.
import { esc } from "./api.js";
import { t } from "./i18n.js";

export async function setupTrial(api, { server, file, frame, none }) {
  const show = (html) => {
    frame.srcdoc = html;
    frame.hidden = false;
    none.hidden = true;
  };
  file.addEventListener("change", async () => {
    const f = file.files && file.files[0];
    if (f) show(await f.text());
  });
  let paths = [];
  try {
    const doc = await (await fetch("/openapi.json")).json();
    paths = Object.keys(doc.paths || {}).filter((p) => /trial/i.test(p) && !p.includes("{"));
  } catch { /* no OpenAPI document: treat as missing */ }
  if (!paths.length) {
    server.innerHTML = `<p class="muted" id="trial-missing">${t("trial.missing")}</p>`;
    return;
  }
  try {
    const listing = await api.get(paths[0]);
    const items = Array.isArray(listing) ? listing : listing.data || [];
    server.innerHTML = `<h3>${t("trial.available")}</h3><ul class="trial-list">${items.map((r, i) =>
      `<li><a href="#" data-i="${i}">${esc(r.title || r.name || r.id)}</a></li>`).join("")}</ul>`;
    server.querySelectorAll("a").forEach((a) => a.addEventListener("click", async (e) => {
      e.preventDefault();
      const item = items[+a.dataset.i];
      const url = item.url || item.href || `${paths[0]}/${item.id}`;
      const r = await fetch(url, { headers: { Authorization: `Bearer ${api.token}`, Accept: "text/html" } });
      show(await r.text());
    }));
  } catch (err) {
    server.innerHTML = `<p class="error">${esc(t("error", { msg: err.message }))}</p>`;
  }
}
