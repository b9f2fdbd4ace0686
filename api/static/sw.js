// Service worker for the pages under /ui/: network first, the last good copy when offline, so
// a tablet that reloads without a connection still opens the driver's view. API calls (/v1)
// are never cached here: the pages keep the route and the report queue in localStorage.
const CACHE = "wasteroute-ui-v2";
const ASSETS = ["driver/", "index.html", "css/app.css", "js/api.js", "js/chart.js", "js/containers.js",
  "js/dashboard.js", "js/driver.js", "js/i18n.js", "js/kpis.js", "js/map.js", "js/plan.js", "js/queue.js",
  "js/route_data.js", "js/trial.js", "js/datefield.js", "js/offline_base.js", "js/reasons.js", "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css",
  "vendor/leaflet/images/marker-icon.png", "vendor/leaflet/images/layers.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const scope = new URL(self.registration.scope);
  if (event.request.method !== "GET" || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((c) => c.put(event.request, copy));
    }
    return response;
  }).catch(() => caches.match(event.request, { ignoreSearch: true })
    .then((hit) => hit || Response.error())));
});
