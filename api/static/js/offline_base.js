// A base map without internet, drawn from data we already have, under the containers and
// routes when map tiles cannot load (or are switched off with ?tiles=none):
// - the service area: the outline around every container (and depot), filled as land;
// - a 1 km grid with column letters and row numbers, so places can be named ("C4");
// - streets sketched from the containers' addresses: the containers of one street (the
//   address without its house number) joined in order along the street, with its name;
//   named places (containers sharing one address, e.g. an island of containers) labelled.
// Nothing is fetched from elsewhere: it is all computed from the points given to update().

const L = window.L;
const PANE = "offline-base";
const M_PER_DEG_LAT = 111_320;
const GRID_M = 1000;
const STREET_MAX_SPAN_M = 1500;  // a longer "street" is a name shared by places, not a street
const STREET_MAX_GAP_M = 300;    // a street line is broken where its containers are further apart
const PAD_M = 250;
const MAX_LABELS = 40;

function metres(a, b) {
  const kx = M_PER_DEG_LAT * Math.cos(((a.lat + b.lat) / 2) * Math.PI / 180);
  return Math.hypot((a.lat - b.lat) * M_PER_DEG_LAT, (a.lon - b.lon) * kx);
}

/** Convex hull (monotone chain) of [{lat, lon}], counter-clockwise. */
export function convexHull(points) {
  const pts = [...points].sort((a, b) => a.lon - b.lon || a.lat - b.lat);
  if (pts.length < 3) return pts;
  const cross = (o, a, b) => (a.lon - o.lon) * (b.lat - o.lat) - (a.lat - o.lat) * (b.lon - o.lon);
  const half = (list) => {
    const out = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2], out[out.length - 1], p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(pts), ...half([...pts].reverse())];
}

/** Each point widened by `pad_m` in eight directions, so the outline clears the markers. */
function padded(points, padM) {
  const out = [];
  for (const p of points) {
    const dLat = padM / M_PER_DEG_LAT;
    const dLon = padM / (M_PER_DEG_LAT * Math.cos(p.lat * Math.PI / 180));
    for (let k = 0; k < 8; k++) {
      const a = (k * Math.PI) / 4;
      out.push({ lat: p.lat + dLat * Math.sin(a), lon: p.lon + dLon * Math.cos(a) });
    }
  }
  return out;
}

/** "Kerkstraat 12a" -> "Kerkstraat"; "" if the address names no street. */
export function streetOf(address) {
  const text = (address || "").split(",")[0].trim();
  const stem = text.replace(/\s+\d+\s*[a-zA-Z]?(\s*[-/]\s*\d+\s*[a-zA-Z]?)?$/, "").trim();
  return stem !== text && /[a-zA-Z]{3}/.test(stem) ? stem : "";
}

/** Street sketches: [{name, lines: [[{lat, lon}, ...], ...], at: {lat, lon}}]. */
export function streetSketches(points) {
  const byStreet = new Map();
  for (const p of points) {
    const name = streetOf(p.address);
    if (name) (byStreet.get(name) || byStreet.set(name, []).get(name)).push(p);
  }
  const out = [];
  for (const [name, pts] of byStreet) {
    if (new Set(pts.map((p) => p.address)).size < 2) continue;
    const lats = pts.map((p) => p.lat);
    const lons = pts.map((p) => p.lon);
    const sw = { lat: Math.min(...lats), lon: Math.min(...lons) };
    const ne = { lat: Math.max(...lats), lon: Math.max(...lons) };
    if (metres(sw, ne) > STREET_MAX_SPAN_M) continue;
    const alongLon = metres(sw, { lat: sw.lat, lon: ne.lon }) >= metres(sw, { lat: ne.lat, lon: sw.lon });
    pts.sort((a, b) => (alongLon ? a.lon - b.lon : a.lat - b.lat));
    const lines = [[pts[0]]];
    for (let i = 1; i < pts.length; i++) {
      if (metres(pts[i - 1], pts[i]) > STREET_MAX_GAP_M) lines.push([]);
      lines[lines.length - 1].push(pts[i]);
    }
    const drawn = lines.filter((l) => l.length > 1);
    if (drawn.length) out.push({ name, lines: drawn, at: pts[Math.floor(pts.length / 2)], n: pts.length });
  }
  return out.sort((a, b) => b.n - a.n);
}

/** Named places: containers sharing one address (not on a street drawn), labelled at their
 * middle. */
export function places(points, streets = new Set()) {
  const byAddress = new Map();
  for (const p of points) {
    if (!p.address || streets.has(streetOf(p.address))) continue;
    (byAddress.get(p.address) || byAddress.set(p.address, []).get(p.address)).push(p);
  }
  return [...byAddress].filter(([, pts]) => pts.length > 1).map(([name, pts]) => ({
    name,
    at: { lat: pts.reduce((a, p) => a + p.lat, 0) / pts.length, lon: pts.reduce((a, p) => a + p.lon, 0) / pts.length },
    n: pts.length,
  })).sort((a, b) => b.n - a.n);
}

function columnName(i) {
  let s = "";
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

const label = (text, at, cls) => L.marker([at.lat, at.lon], {
  pane: PANE, interactive: false, keyboard: false,
  icon: L.divIcon({ className: `base-label ${cls}`, html: `<span>${text.replace(/[<>&"]/g, "")}</span>`, iconSize: null }),
});

export class OfflineBase {
  constructor(map) {
    this.map = map;
    if (!map.getPane(PANE)) {
      const pane = map.createPane(PANE);
      pane.style.zIndex = 250;  // above tiles (200), under the vectors (400) and markers (600)
      pane.classList.add("offline-base");
    }
    this.group = L.layerGroup();
    this.points = [];
    this.shown = false;
  }

  /** Points [{lat, lon, address?}] to draw the base from (more calls add, by key). */
  update(points, key = "containers") {
    this.sets = { ...(this.sets || {}), [key]: points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon)) };
    this.points = Object.values(this.sets).flat();
    this.draw();
  }

  show() { this.shown = true; this.group.addTo(this.map); this.map.getContainer().classList.add("offline-base-on"); }

  hide() { this.shown = false; this.group.remove(); this.map.getContainer().classList.remove("offline-base-on"); }

  draw() {
    this.group.clearLayers();
    if (!this.points.length) return;
    const hull = convexHull(padded(this.points, PAD_M));
    L.polygon(hull.map((p) => [p.lat, p.lon]), {
      pane: PANE, interactive: false, className: "base-area", color: "#b9b2a0", weight: 2,
      fillColor: "#f6f3ea", fillOpacity: 1, dashArray: "6 4",
    }).addTo(this.group);
    this.drawGrid(hull);
    let labels = 0;
    const sketches = streetSketches(this.points);
    for (const s of sketches) {
      for (const line of s.lines) {
        const ll = line.map((p) => [p.lat, p.lon]);
        L.polyline(ll, { pane: PANE, interactive: false, color: "#d8d2c2", weight: 9, className: "base-street-casing" }).addTo(this.group);
        L.polyline(ll, { pane: PANE, interactive: false, color: "#ffffff", weight: 6, className: "base-street" }).addTo(this.group);
      }
      if (labels++ < MAX_LABELS) label(s.name, s.at, "street-name").addTo(this.group);
    }
    for (const p of places(this.points, new Set(sketches.map((s) => s.name)))) {
      if (labels++ >= MAX_LABELS) break;
      label(p.name, p.at, "place-name").addTo(this.group);
    }
  }

  drawGrid(hull) {
    const lats = hull.map((p) => p.lat);
    const lons = hull.map((p) => p.lon);
    const south = Math.min(...lats);
    const north = Math.max(...lats);
    const west = Math.min(...lons);
    const east = Math.max(...lons);
    const dLat = GRID_M / M_PER_DEG_LAT;
    const dLon = GRID_M / (M_PER_DEG_LAT * Math.cos(((south + north) / 2) * Math.PI / 180));
    const cols = Math.max(1, Math.ceil((east - west) / dLon));
    const rows = Math.max(1, Math.ceil((north - south) / dLat));
    if (cols * rows > 2500) return;  // a country, not a town: no grid
    const style = { pane: PANE, interactive: false, color: "#c9c3b3", weight: 1, opacity: 0.8, className: "base-grid" };
    for (let c = 0; c <= cols; c++) {
      const lon = west + c * dLon;
      L.polyline([[south, lon], [south + rows * dLat, lon]], style).addTo(this.group);
      if (c < cols) label(columnName(c), { lat: south + rows * dLat, lon: lon + dLon / 2 }, "grid-name").addTo(this.group);
    }
    for (let r = 0; r <= rows; r++) {
      const lat = south + rows * dLat - r * dLat;
      L.polyline([[lat, west], [lat, west + cols * dLon]], style).addTo(this.group);
      if (r < rows) label(String(r + 1), { lat: lat - dLat / 2, lon: west }, "grid-name").addTo(this.group);
    }
  }
}
