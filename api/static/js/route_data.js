// Routes as the pages use them, from the API's route JSON, and navigation links for a stop.

/**
 * Normalise an API answer (one route, {routes: [...]}, or {data: [...]}) to
 * [{vehicle_id, route_no, depot: [lat, lon] | null, path: [[lat, lon]...], stops: [...]}].
 * Each stop: {id, seq, kind: "container"|"disposal", container_id, disposal_site_id, name,
 * lat, lon, eta, load_kg, load_before_kg}.
 */
export function normaliseRoutes(data) {
  const list = Array.isArray(data) ? data : data.routes || data.data || (data.stops ? [data] : []);
  return list.map((r) => {
    let prevKg = 0;
    const stops = (r.stops || []).map((s, i) => {
      const stop = {
        id: s.stop_id ?? s.id, seq: s.seq ?? i + 1, kind: s.kind === "disposal" ? "disposal" : "container",
        container_id: s.container_id ?? null, disposal_site_id: s.disposal_site_id ?? null,
        name: s.external_id || s.container_external_id || s.disposal_site_name || s.site_name || s.name || "",
        address: s.address || "", lat: s.lat ?? s.location?.lat, lon: s.lon ?? s.location?.lon,
        eta: s.eta || s.arrival_at || s.start_at, load_kg: s.load_kg ?? null, load_before_kg: prevKg,
      };
      prevKg = s.load_kg ?? prevKg;
      return stop;
    });
    const depot = r.depot && r.depot.lat != null ? [r.depot.lat, r.depot.lon]
      : r.depot_lat != null ? [r.depot_lat, r.depot_lon] : null;
    const path = [...(depot ? [depot] : []), ...stops.map((s) => [s.lat, s.lon]), ...(depot ? [depot] : [])];
    return { plan_id: r.plan_id, vehicle_id: r.vehicle_id, vehicle_name: r.vehicle_name || r.vehicle?.name || "", route_no: r.route_no,
      distance_m: r.distance_m, duration_s: r.duration_s, start_at: r.start_at, end_at: r.end_at,
      n_unloads: r.n_unloads ?? stops.filter((s) => s.kind === "disposal").length, depot, path, stops };
  });
}

/** A geo: URI (Android opens the navigation app; iOS ignores it) and a web fallback. */
export function navLinks(stop, userAgent = "") {
  const ll = `${(+stop.lat).toFixed(6)},${(+stop.lon).toFixed(6)}`;
  const label = encodeURIComponent(stop.name || "stop");
  const apple = /iPhone|iPad|Macintosh/i.test(userAgent);
  return {
    geo: `geo:${ll}?q=${ll}(${label})`,
    web: apple ? `https://maps.apple.com/?daddr=${ll}&dirflg=d`
      : `https://www.google.com/maps/dir/?api=1&destination=${ll}&travelmode=driving`,
  };
}
