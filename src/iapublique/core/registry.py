"""Discovery of services through the ``iapublique.services`` entry-point group."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from iapublique.core.service import Service

GROUP = "iapublique.services"


class UnknownService(LookupError):
    """Raised when a service id is not registered."""


@cache
def services() -> dict[str, Service]:
    """All registered services, by id, instantiated once."""
    found: dict[str, Service] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        cls = ep.load()
        service = cls()
        if service.info.id != ep.name:
            raise RuntimeError(f"entry point {ep.name!r} loads service {service.info.id!r}")
        found[ep.name] = service
    return found


def get(service_id: str) -> Service:
    """The service with this id, or a French error listing the known ones."""
    try:
        return services()[service_id]
    except KeyError:
        known = ", ".join(services()) or "aucun"
        raise UnknownService(f"Service inconnu : « {service_id} ». Services disponibles : {known}.") from None
