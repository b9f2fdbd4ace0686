// Leaflet set-up shared by both pages. The tile server is configurable: `?tiles=URL` (saved
// in localStorage "wasteroute.tiles"), `?tiles=none` for no background, default
// OpenStreetMap. When tiles cannot load (no internet) or are off, an offline base layer
// drawn from our own data takes their place (offline_base.js: the service area's outline, a
// labelled 1 km grid and the streets sketched from the containers' addresses), and the map
// says so once, in the page's language.
import { onLanguageChange, t } from "./i18n.js";
import { OfflineBase } from "./offline_base.js";

const L = window.L;
export const DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const TILES_KEY = "wasteroute.tiles";
const ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';

/** The tile URL template to use, or "" for none. */
export function tileUrl() {
  const fromQuery = new URLSearchParams(location.search).get("tiles");
  if (fromQuery !== null) localStorage.setItem(TILES_KEY, fromQuery);
  const url = fromQuery ?? localStorage.getItem(TILES_KEY) ?? document.body.dataset.tiles ?? DEFAULT_TILES;
  return url === "none" ? "" : url;
}

export function createMap(element, notice) {
  const map = L.map(element, { preferCanvas: false, zoomControl: false }).setView([52.1, 5.1], 8);
  // Leaflet's own English: the zoom buttons' titles, the attribution's link title
  const zoom = L.control.zoom({ zoomInTitle: t("map.zoom_in"), zoomOutTitle: t("map.zoom_out") }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  onLanguageChange(() => {
    for (const [cls, key] of [["in", "map.zoom_in"], ["out", "map.zoom_out"]]) {
      const button = zoom.getContainer().querySelector(`.leaflet-control-zoom-${cls}`);
      button.title = t(key);
      button.setAttribute("aria-label", t(key));
    }
  });
  const url = tileUrl();
  element.dataset.tiles = url || "none";
  L.control.scale({ imperial: false, position: "topright" }).addTo(map);
  const base = new OfflineBase(map);
  map.offlineBase = base;
  if (notice) notice.dataset.i18n = "map.no_tiles";  // re-translated on a language switch
  if (url) {
    let failed = 0;
    let loaded = 0;
    const layer = L.tileLayer(url, { maxZoom: 19, attribution: ATTRIBUTION, crossOrigin: true });
    layer.on("tileerror", (e) => {
      e.tile.style.visibility = "hidden";
      failed += 1;
      if (failed === 1 && !loaded) {
        if (notice) {
          notice.textContent = t("map.no_tiles");
          notice.hidden = false;
        }
        element.classList.add("no-tiles");
        base.show();
      }
    });
    layer.on("tileload", () => {
      loaded += 1;
      if (notice) notice.hidden = true;
      element.classList.remove("no-tiles");
      base.hide();
    });
    layer.addTo(map);
  } else {
    element.classList.add("no-tiles");
    base.show();
  }
  return map;
}

/** A colour for a fill fraction: green (empty) → yellow → orange → red (full); grey unknown. */
export function fillColour(fraction) {
  if (fraction === null || fraction === undefined) return "#9aa0a6";
  const stops = [[0, [46, 160, 67]], [0.5, [240, 200, 20]], [0.8, [245, 130, 32]], [1, [214, 39, 40]]];
  const f = Math.max(0, Math.min(1, fraction));
  for (let i = 1; i < stops.length; i++) {
    const [f1, c1] = stops[i];
    const [f0, c0] = stops[i - 1];
    if (f <= f1) {
      const w = (f - f0) / (f1 - f0);
      const c = c0.map((v, k) => Math.round(v + (c1[k] - v) * w));
      return `rgb(${c.join(",")})`;
    }
  }
  return "rgb(214,39,40)";
}

/** Distinct colours for routes (Okabe–Ito and Tableau, readable on light backgrounds). */
export const ROUTE_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
  "#7f3c8d", "#11a579", "#3969ac", "#f2b701", "#e73f74", "#80ba5a", "#4b4b8f", "#a5aa99"];
export function routeColour(index) { return ROUTE_COLOURS[index % ROUTE_COLOURS.length]; }

/** Fit the map to the given layers' bounds, if any. */
export function fitTo(map, layers, maxZoom = 16) {
  const group = L.featureGroup(layers.filter(Boolean));
  const bounds = group.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.08), { maxZoom });
}

/** A square marker (depots, disposal sites) as a divIcon. */
export function squareIcon(colour, label, cls = "") {
  return L.divIcon({ className: `sq-icon ${cls}`, iconSize: [18, 18],
    html: `<span style="background:${colour}">${label}</span>` });
}
