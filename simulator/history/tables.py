"""Reading the municipality's tables: CSV (optionally gzipped, `,` `;` or tab separated) and
GeoJSON (a FeatureCollection of Points: the point becomes `lat`/`lon` columns).

Every problem is an `InputError` naming the file, the row (CSV: the line number, the header
being line 1; GeoJSON: the feature number from 1) and the field. Readers parse a whole file
before they return anything, so a bad file leaves nothing half-imported.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import InputError


@dataclass(frozen=True)
class Table:
    """The rows of one file, as text, with where each came from."""

    path: Path
    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    first_row: int  # the number of the first row (CSV: 2, after the header; GeoJSON: 1)
    kind: str  # "line" (CSV) or "feature" (GeoJSON)

    def where(self, k: int) -> str:
        """'line 7' / 'feature 3' of the k-th row (from 0)."""
        return f"{self.kind} {self.first_row + k}"

    def error(self, k: int, field: str, problem: str) -> InputError:
        return InputError(f"{self.path}: {self.where(k)}: field {field!r}: {problem}")

    def require(self, *names: str) -> None:
        """Raise naming the file if a needed column is missing."""
        missing = [n for n in names if n not in self.columns]
        if missing:
            raise InputError(f"{self.path}: no column {missing[0]!r}; the columns are "
                             f"{', '.join(self.columns) or '(none)'}")

    def number(self, k: int, field: str, *, minimum: float | None = None,
               required: bool = True) -> float | None:
        """A row's field as a number (a decimal comma is accepted), checked against `minimum`."""
        text = (self.rows[k].get(field) or "").strip()
        if not text:
            if required:
                raise self.error(k, field, "is empty")
            return None
        try:
            value = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text \
                else float(text)
        except ValueError:
            raise self.error(k, field, f"{text!r} is not a number") from None
        if minimum is not None and value < minimum:
            raise self.error(k, field, f"{value:g} is below {minimum:g}")
        return value

    def text(self, k: int, field: str, *, required: bool = True) -> str | None:
        value = (self.rows[k].get(field) or "").strip()
        if not value and required:
            raise self.error(k, field, "is empty")
        return value or None


def _open_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except OSError as exc:
            raise InputError(f"{path}: not a readable gzip file: {exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text: {exc}") from exc


def read_csv(path: Path, text: str | None = None) -> Table:
    text = _open_text(path) if text is None else text
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{path}: the file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{path}: line 1: {exc}") from exc
    rows = []
    try:
        for n, values in enumerate(reader, start=2):
            if not values:
                continue
            if len(values) > len(header):
                raise InputError(f"{path}: line {n}: {len(values)} fields, the header has "
                                 f"{len(header)}")
            rows.append(dict(zip(header, values, strict=False)))
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: {exc}") from exc
    return Table(path, tuple(header), rows, 2, "line")


def read_geojson(path: Path, text: str | None = None) -> Table:
    text = _open_text(path) if text is None else text
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" \
            or not isinstance(doc.get("features"), list):
        raise InputError(f"{path}: expected a GeoJSON FeatureCollection")
    rows: list[dict[str, str]] = []
    columns: dict[str, None] = {"lat": None, "lon": None}
    for n, feature in enumerate(doc["features"], start=1):
        geometry = (feature or {}).get("geometry") or {}
        coords = geometry.get("coordinates") or []
        if geometry.get("type") != "Point" or len(coords) < 2:
            raise InputError(f"{path}: feature {n}: field 'geometry': not a Point")
        props = {k: "" if v is None else (json.dumps(v) if isinstance(v, (list, dict))
                                          else str(v))
                 for k, v in ((feature.get("properties") or {}).items())}
        props["lon"], props["lat"] = str(coords[0]), str(coords[1])
        columns.update(dict.fromkeys(props))
        rows.append(props)
    return Table(path, tuple(columns), rows, 1, "feature")


def read_table(path: str | Path) -> Table:
    """A CSV or GeoJSON file (by its suffix; `.gz` allowed) as a `Table`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    kind = suffixes[-1] if suffixes else ""
    if kind in (".geojson", ".json"):
        return read_geojson(path)
    if kind in (".csv", ".txt", ".tsv"):
        return read_csv(path)
    raise InputError(f"{path}: expected a .csv or .geojson file (optionally .gz)")


def first_column(table: Table, names: Iterable[str]) -> str | None:
    """The first of `names` that the table has (case-insensitive match returns the file's)."""
    lower = {c.lower(): c for c in table.columns}
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    return None
