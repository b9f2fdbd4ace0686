"""The demo municipality in the database: containers with sensors, depot, disposal sites,
trucks, a driver per truck and a planner. Passwords are made up for this run."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class DemoTenant:
    tenant_id: str
    container_ids: list[int] = field(default_factory=list)  # in the city's container order
    drivers: list[str] = field(default_factory=list)
    driver_of_vehicle: dict[int, str] = field(default_factory=dict)
    driver_password: str = ""
    planner: str = ""
    planner_password: str = ""
    showcase_driver: str = ""  # a driver with a route today
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def seed_tenant(url: str, city, tenant_id: str, fleet) -> DemoTenant:
    """Store the city as tenant `tenant_id` (timezone UTC, like the simulated clock)."""
    from api.broker_files import device_username
    from api.security import hash_password, mosquitto_hash
    from domain import Container, DisposalSite, Vehicle
    from storage import connect
    from storage.containers import add_container
    from storage.devices import create_device
    from storage.fleet import add_depot, add_disposal_site, add_vehicle
    from storage.tenants import add_tenant
    from storage.users import create_user

    out = DemoTenant(
        tenant_id,
        driver_password=secrets.token_urlsafe(9),
        planner=f"{tenant_id}-planner",
        planner_password=secrets.token_urlsafe(9),
    )
    with connect(url) as conn:
        add_tenant(conn, tenant_id, f"{city.name} (demo)", timezone="UTC")
        for c, dev in zip(city.containers, fleet.devices, strict=True):
            stored = add_container(
                conn,
                tenant_id,
                Container(
                    id=0,
                    tenant_id=tenant_id,
                    external_id=c.external_id,
                    location=c.location,
                    fraction=c.fraction,
                    volume_l=c.volume_l,
                    depth_mm=c.depth_mm,
                    model=c.model,
                    service_time_s=c.service_time_s,
                    address=c.address,
                ),
            )
            out.container_ids.append(stored.id)
            create_device(
                conn,
                tenant_id,
                device_id=dev.address.device_id,
                container_id=stored.id,
                dev_eui=dev.address.dev_eui,
                model="em400-mud",
                broker_username=device_username(tenant_id, dev.address.device_id),
                password_hash=mosquitto_hash(secrets.token_urlsafe(12)),
            )
        depot = add_depot(conn, tenant_id, city.depots[0].name, city.depots[0].location)
        for site in city.disposal_sites:
            add_disposal_site(conn, tenant_id, DisposalSite(0, tenant_id, site.name, site.location))
        driver_hash = hash_password(out.driver_password)
        for v in city.vehicles:
            vehicle = add_vehicle(
                conn,
                tenant_id,
                Vehicle(
                    id=0,
                    tenant_id=tenant_id,
                    name=v.name,
                    depot_id=depot.id,
                    capacity_l=v.capacity_l,
                    capacity_kg=v.capacity_kg,
                    fractions=(v.fraction,),
                ),
            )
            user = f"{tenant_id}-{v.name}"
            create_user(
                conn,
                tenant_id=tenant_id,
                username=user,
                password_hash=driver_hash,
                role="driver",
                vehicle_id=vehicle.id,
            )
            out.drivers.append(user)
            out.driver_of_vehicle[vehicle.id] = user
        create_user(
            conn,
            tenant_id=tenant_id,
            username=out.planner,
            password_hash=hash_password(out.planner_password),
            role="planner",
        )
        conn.commit()
    return out
