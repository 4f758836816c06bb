"""``lca publish``: compute a product's or a model's PACT footprint and store it for the server.

A supplier-chain product's document is exactly :meth:`CarbonProfile.to_pact`
(the one PACT writer, :mod:`lca.report.pact`), a model's is
:func:`lca.report.pact.model_footprint`; :func:`lca.server.store.publish` then
handles versions (``precedingPfIds``, ``Deprecated``) and the access list.
"""
from __future__ import annotations

from datetime import date

from ..errors import InputError
from . import clients, store


def _check_access(project_path, access) -> list[str] | None:
    if not access:
        return None
    known = {c["name"] for c in clients.listing(project_path)}
    missing = [a for a in access if a not in known]
    if missing:
        raise InputError(f"--client {', '.join(missing)}: no such API client; add it first with "
                         "`lca clients add NAME`")
    return sorted(set(access))


def publish_product(project, product: str, access: list[str] | None = None, method: str = "GWP100") -> dict:
    """Publish the PACT footprint of supplier product ``product`` (``COMPANY_ID/PRODUCT_ID``)."""
    access = _check_access(project.path, access)
    doc = project.profile(product, method=method).to_pact()
    return {"product": product, **store.publish(project.path, doc, access=access, source={"product": product})}


def publish_model(project, name: str, settings: dict, access: list[str] | None = None,
                  period: tuple[str, str] | None = None, mass_kg: float | None = None,
                  company_id: str | None = None, company_name: str | None = None, method: str = "GWP100") -> dict:
    """Publish the PACT footprint of product model ``name`` with parameters ``settings``.

    ``period`` defaults to the current calendar year (a model's data are not a
    measured period: the comment says modelled data).
    """
    from .. import models
    from ..compare import default_amount
    from ..report import pact

    access = _check_access(project.path, access)
    if period is None:
        year = date.today().year
        period = (f"{year}-01-01", f"{year}-12-31")
    model = models.get_model(name, **settings)
    fp = project.footprint(model, amount=default_amount(model), method=method)
    kwargs = {k: v for k, v in (("company_id", company_id), ("company_name", company_name)) if v}
    doc = pact.model_footprint(fp, period, mass_kg=mass_kg, **kwargs)
    return {"product": fp.target.ref,
            **store.publish(project.path, doc, access=access, source={"model": name, "parameters": settings})}
