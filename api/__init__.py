"""The HTTP API (FastAPI): planners, drivers' tablets, operators and machine clients.

Public API:
- `create_app(settings=None)`: the ASGI app (api.app).
- `ApiSettings`: its configuration, env prefix `API_` plus plain `DATABASE_URL` (api.settings).
"""

from api.app import create_app
from api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
