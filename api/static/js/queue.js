// The tablet's offline queue: stop events are kept in localStorage until the API has them.
// Every event carries a client-made id (crypto.randomUUID), and the API stores each id once,
// so sending a batch again after a lost answer never double-counts.

export class EventQueue {
  constructor(key) {
    this.key = key;
    this.sending = false;
    this.listeners = [];
  }

  get events() {
    try { return JSON.parse(localStorage.getItem(this.key) || "[]"); } catch { return []; }
  }

  save(events) {
    localStorage.setItem(this.key, JSON.stringify(events));
    this.listeners.forEach((fn) => fn(events.length));
  }

  onChange(fn) { this.listeners.push(fn); }

  /** Queue an event (adds event_id and occurred_at); returns it. */
  add(event) {
    const full = { event_id: newId(), occurred_at: new Date().toISOString(), ...event };
    this.save([...this.events, full]);
    return full;
  }

  /**
   * Send everything queued, in batches of up to 500. Events the API answered for (created,
   * duplicate or rejected) leave the queue; on a network error they all stay.
   * Returns {sent, rejected: [{event, message}]} or throws the network/API error.
   */
  async flush(api) {
    if (this.sending) return { sent: 0, rejected: [] };
    this.sending = true;
    let sent = 0;
    const rejected = [];
    try {
      for (;;) {
        const batch = this.events.slice(0, 500);
        if (!batch.length) break;
        const answer = await api.post("/v1/stop-events", { events: batch });
        const done = new Set();
        for (const r of answer.results || []) {
          done.add(r.event_id);
          if (r.status === "rejected") rejected.push({ event: batch.find((e) => e.event_id === r.event_id), message: r.message });
        }
        sent += done.size;
        this.save(this.events.filter((e) => !done.has(e.event_id)));
        if (!done.size) break;
      }
    } finally {
      this.sending = false;
    }
    return { sent, rejected };
  }
}

/** A UUID v4; crypto.randomUUID where the page is a secure context, else from getRandomValues. */
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
