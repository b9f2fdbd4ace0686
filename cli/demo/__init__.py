"""`wasteroute demo`: the whole loop on embedded defaults (no root, no Docker).

The orchestration lives in cli/ because it needs storage, ingest and the API (the simulator
may import only domain, optimizer and planning). Modules:
- `cli.demo.services`: the embedded PostgreSQL, the in-process amqtt broker, the ingest
  worker and the API (uvicorn in a thread), each started and stopped by the demo;
- `cli.demo.tenant`: the demo municipality in the database (containers, sensors, fleet, users);
- `cli.demo.loop`: the simulated days: sensors stream over MQTT, plans each morning, drivers
  drive them through the HTTP API, emptied containers reset;
- `cli.demo.report`: what the database holds at the end, for the summary.
"""
