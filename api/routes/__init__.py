"""Routers, one per resource; `ROUTERS` is mounted under /v1 by api.app."""
