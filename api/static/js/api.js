// A small client for the wasteroute HTTP API: log in (OAuth2 password flow), keep the
// bearer token, call /v1 endpoints and turn error answers into ApiError.
import { timeZone } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export class Api {
  /** @param {Storage} store where the token is kept; @param {string} key its name */
  constructor(store, key) {
    this.store = store;
    this.key = key;
    this.onUnauthorized = null;
  }

  get token() {
    const raw = this.store.getItem(this.key);
    if (!raw) return null;
    try {
      const t = JSON.parse(raw);
      return t.expires_at > Date.now() ? t.access_token : null;
    } catch {
      return null;
    }
  }

  get me() {
    try { return JSON.parse(this.store.getItem(this.key) || "null")?.me ?? null; } catch { return null; }
  }

  async login(username, password) {
    const form = new URLSearchParams({ username, password, grant_type: "password" });
    const r = await fetch("/v1/auth/token", { method: "POST", body: form,
      headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new ApiError(r.status, body.message || body.detail || r.statusText, body);
    const expiresAt = Date.now() + (body.expires_in || 3600) * 1000 - 30_000;
    this.store.setItem(this.key, JSON.stringify({ access_token: body.access_token, expires_at: expiresAt }));
    const me = await this.get("/v1/auth/me");
    this.store.setItem(this.key, JSON.stringify({ access_token: body.access_token, expires_at: expiresAt, me }));
    return me;
  }

  logout() { this.store.removeItem(this.key); }

  async request(method, path, { json, params, accept } = {}) {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
    }
    const headers = { Accept: accept || "application/json" };
    const token = this.token;
    if (token) headers.Authorization = `Bearer ${token}`;
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }
    const r = await fetch(url, { method, headers, body });
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    if (!r.ok) {
      if (r.status === 401 && this.onUnauthorized) this.onUnauthorized();
      const message = (data && (data.message || (typeof data.detail === "string" && data.detail))) || r.statusText;
      throw new ApiError(r.status, message, data);
    }
    return data;
  }

  get(path, params) { return this.request("GET", path, { params }); }
  post(path, json, params) { return this.request("POST", path, { json, params }); }
}

/** Today's (or another) date as YYYY-MM-DD in the browser's time zone. */
export function isoDate(d = new Date(), addDays = 0) {
  const x = new Date(d.getFullYear(), d.getMonth(), d.getDate() + addDays);
  const pad = (n) => String(n).padStart(2, "0");
  return `${x.getFullYear()}-${pad(x.getMonth() + 1)}-${pad(x.getDate())}`;
}

/** Today (+ addDays) as YYYY-MM-DD in the tenant's time zone (the device's if unknown). */
export function todayIso(addDays = 0, now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: timeZone(), year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(now).reduce((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  const d = new Date(Date.UTC(+parts.year, +parts.month - 1, +parts.day + addDays));
  return d.toISOString().slice(0, 10);
}

/** Escape text for innerHTML. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
