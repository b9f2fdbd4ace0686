"""The municipality's own set-up: depots, disposal sites, fleet, and its containers grouped
into sites (clusters). One documented layout per file (docs/municipality.md); CSV or GeoJSON.

- `depots.csv`: `name`, `lat`, `lon`.
- `disposal_sites.csv`: `name`, `lat`, `lon`, `fractions` (`;`-separated, empty: all),
  `opens`, `closes` (HH:MM, empty: always open), `unload_min`.
- `fleet.csv`: `name`, `depot` (a depot's name), `fraction`, `capacity_kg`, `capacity_l`,
  `shift_start`, `shift_end` (HH:MM), `count` (trucks of this kind, default 1).
- `calendar.json` (optional): the service calendar (`domain.service_calendar`'s JSON form:
  served weekdays, holiday rule, shifts).
- `containers.csv`: `id`, `lat`, `lon`, `fraction`, `volume_l`, optional `cluster`
  (containers of one cluster are emptied on one visit). Also read as they are exported:
  Amsterdam's `container` table (`id`/`idNummer`, `cluster`, `fractieOmschrijving`,
  `geometrie` as a WKT or GeoJSON point in RD or WGS84, optional `volume_m3`) and FIWARE
  `WasteContainer` entities (a JSON array, normalised or key-values).

Every error names the file, the row and the field; `read_setup` reads every file before it
returns, so a bad file leaves nothing half-imported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from domain import Fraction, GeoPoint
from domain.service_calendar import CalendarError, ServiceCalendar, calendar_from_dict
from simulator.errors import InputError
from simulator.history.rd import is_rd, rd_to_wgs84
from simulator.history.tables import Table, first_column, read_table

_POINT = re.compile(r"POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    location: GeoPoint


@dataclass(frozen=True, slots=True)
class DisposalSiteSpec:
    name: str
    location: GeoPoint
    fractions: tuple[Fraction, ...]  # empty: every fraction
    opens_s: int  # seconds since local midnight
    closes_s: int
    unload_s: int


@dataclass(frozen=True, slots=True)
class TruckSpec:
    name: str
    depot: str
    fraction: Fraction
    capacity_kg: float
    capacity_l: float
    shift_start_s: int
    shift_end_s: int


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """A site (cluster): its containers are emptied on one visit."""

    id: str
    location: GeoPoint
    fraction: Fraction
    containers: int
    volume_l: float  # of all its containers together


@dataclass(frozen=True)
class MunicipalitySetup:
    depots: tuple[Place, ...]
    disposal_sites: tuple[DisposalSiteSpec, ...]
    fleet: tuple[TruckSpec, ...]
    sites: tuple[SiteSpec, ...] = ()
    calendar: ServiceCalendar | None = None  # calendar.json; None: the default calendar


def _clock(table: Table, k: int, field: str, default: int) -> int:
    text = table.text(k, field, required=False)
    if text is None:
        return default
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        raise table.error(k, field, f"{text!r} is not a time of day (HH:MM)")
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)


def _fraction(table: Table, k: int, field: str) -> Fraction:
    text = table.text(k, field)
    try:
        return Fraction.parse(str(text))
    except ValueError as exc:
        raise table.error(k, field, str(exc)) from None


def _point(table: Table, k: int) -> GeoPoint:
    lat, lon = table.number(k, "lat"), table.number(k, "lon")
    try:
        return GeoPoint(float(lat or 0.0), float(lon or 0.0))
    except ValueError:
        raise table.error(k, "lat", f"({lat}, {lon}) is not a WGS84 position") from None


def _unique_names(table: Table, names: list[str]) -> None:
    seen: set[str] = set()
    for k, n in enumerate(names):
        if n in seen:
            raise table.error(k, "name", f"{n!r} appears twice")
        seen.add(n)


def read_depots(path: str | Path) -> tuple[Place, ...]:
    table = read_table(path)
    table.require("name", "lat", "lon")
    out = tuple(Place(str(table.text(k, "name")), _point(table, k))
                for k in range(len(table.rows)))
    if not out:
        raise InputError(f"{table.path}: no depots")
    _unique_names(table, [p.name for p in out])
    return out


def read_disposal_sites(path: str | Path) -> tuple[DisposalSiteSpec, ...]:
    table = read_table(path)
    table.require("name", "lat", "lon", "unload_min")
    out = []
    for k in range(len(table.rows)):
        fractions = []
        for part in (table.text(k, "fractions", required=False) or "").split(";"):
            if part.strip():
                try:
                    fractions.append(Fraction.parse(part))
                except ValueError as exc:
                    raise table.error(k, "fractions", str(exc)) from None
        opens, closes = _clock(table, k, "opens", 0), _clock(table, k, "closes", 24 * 3600)
        if closes <= opens:
            raise table.error(k, "closes", "is not after 'opens'")
        out.append(DisposalSiteSpec(
            str(table.text(k, "name")), _point(table, k), tuple(fractions), opens, closes,
            int(round(60 * float(table.number(k, "unload_min", minimum=0) or 0)))))
    if not out:
        raise InputError(f"{table.path}: no disposal sites")
    _unique_names(table, [s.name for s in out])
    return tuple(out)


def read_fleet(path: str | Path, depots: tuple[Place, ...]) -> tuple[TruckSpec, ...]:
    table = read_table(path)
    table.require("name", "depot", "fraction", "capacity_kg", "capacity_l", "shift_start",
                  "shift_end")
    names = {d.name for d in depots}
    out: list[TruckSpec] = []
    for k in range(len(table.rows)):
        depot = str(table.text(k, "depot"))
        if depot not in names:
            raise table.error(k, "depot", f"{depot!r} is not in the depots file "
                              f"({', '.join(sorted(names))})")
        start = _clock(table, k, "shift_start", 0)
        end = _clock(table, k, "shift_end", 0)
        if end <= start:
            raise table.error(k, "shift_end", "is not after 'shift_start'")
        count = table.number(k, "count", minimum=1, required=False) or 1
        if count != int(count):
            raise table.error(k, "count", f"{count:g} is not a whole number")
        base = str(table.text(k, "name"))
        truck = TruckSpec(base, depot, _fraction(table, k, "fraction"),
                          float(table.number(k, "capacity_kg", minimum=1) or 0),
                          float(table.number(k, "capacity_l", minimum=1) or 0), start, end)
        out.extend(replace(truck, name=base if count == 1 else f"{base}-{i + 1}")
                   for i in range(int(count)))
    if not out:
        raise InputError(f"{table.path}: no trucks")
    return tuple(out)


def _container_point(table: Table, k: int, geom_field: str | None) -> GeoPoint:
    if geom_field is None:
        return _point(table, k)
    text = str(table.text(k, geom_field))
    m = _POINT.search(text)
    if m:
        x, y = float(m.group(1)), float(m.group(2))
    else:
        try:
            x, y = (float(v) for v in json.loads(text)["coordinates"][:2])
        except (ValueError, KeyError, TypeError):
            raise table.error(k, geom_field, f"{text[:40]!r} is not a point") from None
    if bool(is_rd(x, y)):
        lat, lon = rd_to_wgs84(x, y)
        return GeoPoint(float(lat), float(lon))
    try:
        return GeoPoint(y, x)
    except ValueError:
        raise table.error(k, geom_field, f"({x}, {y}) is neither RD nor WGS84") from None


def _fiware_table(path: Path) -> Table:
    """FIWARE WasteContainer entities as a table with our column names."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable JSON file: {exc}") from exc
    entities = doc if isinstance(doc, list) else None
    if entities is None:
        raise InputError(f"{path}: expected a JSON array of FIWARE WasteContainer entities")

    def value(e: dict, key: str):
        v = e.get(key)
        return v.get("value") if isinstance(v, dict) and "value" in v else v

    rows = []
    for e in entities:
        loc = value(e, "location") or {}
        coords = loc.get("coordinates") if isinstance(loc, dict) else None
        kind = value(e, "storedWasteKind")
        volume = value(e, "volumeStored") or value(e, "containerVolume")
        rows.append({"id": str(e.get("id", "")), "type": str(e.get("type", "")),
                     "lon": str(coords[0]) if coords else "", "lat": str(coords[1]) if coords
                     else "", "fraction": str(kind[0] if isinstance(kind, list) else kind or ""),
                     "cluster": str(value(e, "refWasteContainerIsle") or ""),
                     "volume_l": "" if volume is None else str(float(volume) * 1000.0)})
    return Table(path, ("id", "type", "lat", "lon", "fraction", "cluster", "volume_l"), rows,
                 1, "entity")


def read_containers(path: str | Path, default_volume_l: float = 5000.0) -> tuple[SiteSpec, ...]:
    """Containers grouped into sites by `cluster` (a container without one is its own site)."""
    path = Path(path)
    is_fiware = path.suffix.lower() == ".json" and path.exists() and path.read_text(
        encoding="utf-8", errors="replace").lstrip()[:1] == "["
    table = _fiware_table(path) if is_fiware else read_table(path)
    id_f = first_column(table, ("id", "idNummer"))
    fraction_f = first_column(table, ("fraction", "fractieOmschrijving", "afvalfractie",
                                      "storedWasteKind"))
    geom_f = None if {"lat", "lon"} <= set(table.columns) else first_column(table, ("geometrie",
                                                                                   "geometry"))
    if id_f is None or fraction_f is None or (geom_f is None and "lat" not in table.columns):
        raise InputError(f"{table.path}: expected the columns id, lat, lon, fraction (or "
                         f"Amsterdam's idNummer, geometrie, fractieOmschrijving); the columns "
                         f"are {', '.join(table.columns)}")
    cluster_f = first_column(table, ("cluster", "clusterId"))
    groups: dict[str, list] = {}
    for k in range(len(table.rows)):
        ident = str(table.text(k, id_f))
        point = _container_point(table, k, geom_f)
        fraction = _fraction(table, k, fraction_f)
        volume = table.number(k, "volume_l", minimum=1, required=False) \
            if "volume_l" in table.columns else None
        if volume is None and "volume_m3" in table.columns:
            m3 = table.number(k, "volume_m3", minimum=0.001, required=False)
            volume = None if m3 is None else 1000.0 * m3
        cluster = (table.text(k, cluster_f, required=False) if cluster_f else None) or ident
        groups.setdefault(f"{cluster}|{fraction.value}", []).append(
            (cluster, point, fraction, volume or default_volume_l))
    if not groups:
        raise InputError(f"{table.path}: no containers")
    out = []
    for members in groups.values():
        lat = sum(m[1].lat for m in members) / len(members)
        lon = sum(m[1].lon for m in members) / len(members)
        out.append(SiteSpec(members[0][0], GeoPoint(lat, lon), members[0][2], len(members),
                            sum(m[3] for m in members)))
    return tuple(out)


def _find(directory: Path, stem: str) -> Path | None:
    for suffix in (".csv", ".geojson", ".json", ".csv.gz"):
        if (directory / f"{stem}{suffix}").exists():
            return directory / f"{stem}{suffix}"
    return None


def read_setup(directory: str | Path) -> MunicipalitySetup:
    """depots, disposal_sites, fleet (required) and containers (optional) from a directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    paths = {stem: _find(directory, stem) for stem in ("depots", "disposal_sites", "fleet",
                                                      "containers")}
    for stem in ("depots", "disposal_sites", "fleet"):
        if paths[stem] is None:
            raise InputError(f"{directory}: no {stem}.csv (or .geojson); see docs/municipality.md")
    depots = read_depots(paths["depots"])  # type: ignore[arg-type]
    sites = read_disposal_sites(paths["disposal_sites"])  # type: ignore[arg-type]
    fleet = read_fleet(paths["fleet"], depots)  # type: ignore[arg-type]
    containers = read_containers(paths["containers"]) if paths["containers"] else ()
    return MunicipalitySetup(depots, sites, fleet, containers, read_calendar(directory))


def read_calendar(directory: Path) -> ServiceCalendar | None:
    """`calendar.json` in the service calendar's JSON form (docs/municipality.md), if any."""
    path = directory / "calendar.json"
    if not path.exists():
        return None
    try:
        return calendar_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # CalendarError is a ValueError
        kind = "field" if isinstance(exc, CalendarError) else "file"
        raise InputError(f"{path}: {kind}: {exc}") from exc
