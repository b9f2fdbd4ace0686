"""A created object is committed before the API answers, so a client can use it at once."""

from __future__ import annotations

import socket
import threading
import time
import uuid

import httpx
import uvicorn

from api.app import create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_created_objects_are_committed_when_the_answer_arrives(api_settings, planner, db):
    """Over a real uvicorn server: a depot then a vehicle on it, 20 times, each at once usable."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(api_settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        problems = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=planner.headers) as http:
            for _ in range(20):
                depot = http.post("/v1/depots", json={"name": f"D-{uuid.uuid4().hex[:6]}",
                                                      "lat": 51.92, "lon": 4.38})
                seen = db.execute("SELECT 1 FROM depots WHERE id = %s AND tenant_id = %s",
                                  (depot.json()["id"], planner.tenant_id)).fetchone()
                vehicle = http.post("/v1/vehicles", json={
                    "name": f"V-{uuid.uuid4().hex[:6]}", "depot_id": depot.json()["id"],
                    "capacity_l": 20000, "capacity_kg": 9000})
                if seen is None or vehicle.status_code != 201:
                    problems.append((depot.json()["id"], seen, vehicle.status_code))
        assert problems == []
    finally:
        server.should_exit = True
        thread.join(timeout=10)
