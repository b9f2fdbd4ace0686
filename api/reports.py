"""Trial report files on disk, one folder per tenant: `API_REPORTS_DIR/<tenant_id>/*.html`.

Only regular files directly in the caller's tenant folder whose names match `NAME_RE` are
listed, and a name is served only if it is in that listing: no path, no `..`, no symlink
leading out of the folder, no other tenant's folder.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.html?")
_TITLE_RE = re.compile(rb"<title>([^<]{1,300})</title>", re.IGNORECASE)
MAX_BYTES = 50 * 1024 * 1024


def _tenant_dir(root: Path, tenant_id: str) -> Path | None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,62}", tenant_id):
        return None
    folder = root / tenant_id
    return folder if folder.is_dir() and not folder.is_symlink() else None


def _files(root: Path, tenant_id: str) -> dict[str, Path]:
    folder = _tenant_dir(root, tenant_id)
    if folder is None:
        return {}
    base = folder.resolve()
    out = {}
    for path in folder.iterdir():
        if not NAME_RE.fullmatch(path.name) or path.is_symlink() or not path.is_file():
            continue
        if path.resolve().parent != base:
            continue
        out[path.name] = path
    return out


def _title(path: Path) -> str | None:
    with path.open("rb") as f:
        m = _TITLE_RE.search(f.read(8192))
    return m.group(1).decode("utf-8", "replace").strip() if m else None


def list_reports(root: Path, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's reports, newest first."""
    rows = []
    for name, path in _files(root, tenant_id).items():
        st = path.stat()
        rows.append(
            {
                "name": name,
                "title": _title(path),
                "size_bytes": st.st_size,
                "modified_at": datetime.fromtimestamp(st.st_mtime, UTC),
                "url": f"/v1/reports/{name}",
            }
        )
    return sorted(rows, key=lambda r: (r["modified_at"], r["name"]), reverse=True)


def read_report(root: Path, tenant_id: str, name: str) -> bytes | None:
    """The report's bytes, or None if `name` is not one of the tenant's listed reports."""
    path = _files(root, tenant_id).get(name)
    if path is None or path.stat().st_size > MAX_BYTES:
        return None
    return path.read_bytes()
