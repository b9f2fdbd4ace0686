-- Ingest write path: drop TimescaleDB's default index on readings (measured_at DESC).
-- create_hypertable adds it unless told not to. Every query on readings filters on the tenant
-- and container (readings_container_time) or the device (readings_device_time), so it serves
-- no query here, and it cost about a third of the time of each batch COPY into readings
-- (measured: 2,000 rows 60-100 ms with it, 40-60 ms without; see docs/benchmarks.md, Ingest).
-- Chunk exclusion and retention (drop_chunks) use chunk constraints, not this index.
DROP INDEX IF EXISTS readings_measured_at_idx;
