"""The trial's city from a municipality's set-up and calibration, with its deposits scaled so
that the trial period receives what the municipality really collected then.

The scaling is done in two steps: the period's simulated deposits are set equal to the
recorded kg (`scale_to_recorded`), then the trial runs the replay once and corrects every
rate by recorded / collected (`rescale`): what is in the containers at the start and end of
the period differs, and the replay must collect what the city collected.

A site (cluster) is one stop of the trial: its volume is its containers' together, its rate
the kg per day it gave in the period's recorded visits (leaning on its calibrated rate when it
was visited rarely; or only the calibrated rate) over the calibrated density, its service
time a minute to stop plus `lift_s` per container. Only the sites with a recorded visit in
the period take part (ids start and stop as sites are built and rebuilt). The router weighs
a litre at the fraction's standard density (`domain.units.DENSITY_KG_PER_L`); the trucks'
kg capacity is converted so that it binds at the municipality's real kg.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from domain import Fraction, GeoPoint
from domain.units import DENSITY_KG_PER_L
from simulator.city import City, CityContainer, CitySite, CityVehicle, with_rates
from simulator.errors import InputError
from simulator.history.calibrate import Calibration
from simulator.history.deposits import CalibratedDeposits
from simulator.history.setup import MunicipalitySetup, SiteSpec

STOP_S, LIFT_S = 60, 150


@dataclass(frozen=True)
class Period:
    start: date
    days: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days)


@dataclass(frozen=True)
class HistoryCity:
    """The city, the calibrated site behind each of its containers, and the period's record."""

    city: City
    site_index: np.ndarray  # per city container: its index in the calibration
    recorded_visits: dict[date, list[int]]  # per date: city container indices visited
    recorded_kg: float  # collected in the period, per the records (imputed where partial)
    scale: float  # deposits × this = the recorded kg (1.0 when not scaled)
    density_kg_per_l: float


def _period_mask(cal: Calibration, period: Period) -> np.ndarray:
    t = cal.visits.time
    return (t >= np.datetime64(period.start, "s")) & (t < np.datetime64(period.end, "s"))


def build_city(cal: Calibration, setup: MunicipalitySetup, period: Period, *,
               name: str = "municipality", fraction: Fraction = Fraction.RESIDUAL,
               seed: int = 1, site_rates: str = "period") -> HistoryCity:
    """The trial's city; `site_rates` "period": each site's rate from its own recorded kg in
    the period (`period_rates`), "calibrated": its two-year calibrated rate."""
    if site_rates not in ("period", "calibrated"):
        raise InputError(f"site rates: {site_rates!r}; expected period or calibrated")
    in_period = _period_mask(cal, period)
    active = np.unique(cal.visits.site[in_period])
    active = active[np.isfinite(cal.lat[active]) & np.isfinite(cal.lon[active])]
    if not active.size:
        raise InputError(f"no recorded visits between {period.start} and {period.end}")
    density = cal.density_kg_per_l
    given = _given_sites(cal, setup, fraction)
    containers = []
    for k, i in enumerate(active):
        n = int(cal.containers[i])
        volume = n * cal.container_volume_l
        location = GeoPoint(float(cal.lat[i]), float(cal.lon[i]))
        spec = given.get(str(cal.site_ids[i]))
        if spec is not None:  # the municipality's containers file says better
            n, volume, location = spec.containers, spec.volume_l, spec.location
        containers.append(CityContainer(
            external_id=str(cal.site_ids[i]), location=location,
            fraction=fraction, volume_l=volume, depth_mm=1900.0,
            model=f"{n}x{volume / n / 1000:g}m3",
            rate_l_per_day=float(cal.rate_kg_per_day[i] / density), island=k,
            service_time_s=STOP_S + LIFT_S * n, address=str(cal.site_ids[i])))
    depots = tuple(CitySite(d.name, d.location) for d in setup.depots)
    depot_index = {d.name: k for k, d in enumerate(setup.depots)}
    sites = tuple(CitySite(s.name, s.location, s.unload_s, s.opens_s, s.closes_s)
                  for s in setup.disposal_sites if not s.fractions or fraction in s.fractions)
    kg_factor = DENSITY_KG_PER_L[fraction] / density
    vehicles = tuple(CityVehicle(t.name, t.fraction, depot_index[t.depot], t.capacity_l,
                                 t.capacity_kg * kg_factor)
                     for t in setup.fleet if t.fraction is fraction)
    if not sites or not vehicles:
        raise InputError(f"the set-up has no disposal site or truck for {fraction.value}")
    centre = GeoPoint(float(np.median(cal.lat[active])), float(np.median(cal.lon[active])))
    city = City(name, centre, tuple(containers), depots, sites, vehicles, seed=seed)
    where = {int(i): k for k, i in enumerate(active)}
    visits: dict[date, list[int]] = {}
    mean_kg = _mean_visit_kg(cal)
    site_kg = np.zeros(len(active))
    site_visits = np.zeros(len(active))
    for v in np.nonzero(in_period)[0]:
        site = where.get(int(cal.visits.site[v]))
        if site is None:
            continue
        day = cal.visits.time[v].astype("datetime64[D]").item()
        visits.setdefault(day, []).append(site)
        kg = cal.visit_kg[v]
        site_kg[site] += float(kg if np.isfinite(kg) else mean_kg[cal.visits.site[v]])
        site_visits[site] += 1
    if site_rates == "period":
        city = with_rates(city, period_rates(city.rates(), site_kg, site_visits, period.days,
                                             density))
    return HistoryCity(city, active, visits, float(site_kg.sum()), 1.0, density)


def period_rates(calibrated_l: np.ndarray, period_kg: np.ndarray, visits: np.ndarray,
                 days: int, density: float, prior_visits: float = 1.0) -> np.ndarray:
    """Each site's rate in the period (l/day): what it gave in the period's visits over the
    period's days, leaning on its calibrated rate by `prior_visits` visits' weight (a site
    visited once in the period says little about its own rate)."""
    in_period = period_kg / density / days
    return (visits * in_period + prior_visits * calibrated_l) / (visits + prior_visits)


def _given_sites(cal: Calibration, setup: MunicipalitySetup,
                 fraction: Fraction) -> dict[str, SiteSpec]:
    """The containers file's sites by the calibration's site id (ids of rebuilt sites and
    `x|y` / `x_y` spellings of Amsterdam cluster ids both match)."""
    if not setup.sites:
        return {}
    by_id = {s.id.replace("|", "_"): s for s in setup.sites if s.fraction is fraction}
    out: dict[str, SiteSpec] = {}
    for alias, root in list(cal.visits.aliases.items()) + [(str(i), str(i))
                                                          for i in cal.site_ids]:
        spec = by_id.get(alias.replace("|", "_"))
        if spec is not None:
            out.setdefault(root, spec)
    return out


def _mean_visit_kg(cal: Calibration) -> np.ndarray:
    ok = np.isfinite(cal.visit_kg)
    n = np.bincount(cal.visits.site[ok], minlength=len(cal.site_ids))
    total = np.bincount(cal.visits.site[ok], weights=cal.visit_kg[ok], minlength=len(n))
    return total / np.maximum(1, n)


def scale_to_recorded(hc: HistoryCity, cal: Calibration, period: Period,
                      seed: int) -> HistoryCity:
    """The same city with every rate scaled so that the period's simulated deposits (this
    seed, calibrated pattern) equal the kg the municipality collected in it."""
    model = CalibratedDeposits(hc.city, seed, weekday=cal.weekday_factor, month=cal.month_factor)
    simulated_l = float(model.daily_l(period.start, period.days).sum())
    if simulated_l <= 0:
        raise InputError("the calibrated rates deposit nothing in the trial period")
    scale = hc.recorded_kg / hc.density_kg_per_l / simulated_l
    city = with_rates(hc.city, hc.city.rates() * scale)
    return HistoryCity(city, hc.site_index, hc.recorded_visits, hc.recorded_kg, scale,
                       hc.density_kg_per_l)


def rescale(hc: HistoryCity, factor: float) -> HistoryCity:
    """Every rate × `factor` (the correction after a replay has measured what it collects)."""
    return HistoryCity(with_rates(hc.city, hc.city.rates() * factor), hc.site_index,
                       hc.recorded_visits, hc.recorded_kg, hc.scale * factor,
                       hc.density_kg_per_l)
