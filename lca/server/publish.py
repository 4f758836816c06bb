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


def _check_access(project_path, access, public: bool = False):
    """The access list to store: ``None`` (public) with ``public``, the checked names, or
    :data:`store.KEEP` (neither given: a republish keeps the product's current list)."""
    if public and access:
        raise InputError("--public and --client exclude each other: --public opens the footprint to every "
                         "client, --client restricts it")
    if public:
        return None
    if not access:
        return store.KEEP
    known = {c["name"] for c in clients.listing(project_path)}
    missing = [a for a in access if a not in known]
    if missing:
        raise InputError(f"--client {', '.join(missing)}: no such API client; add it first with "
                         "`lca clients add NAME`")
    return sorted(set(access))


def publish_product(project, product: str, access: list[str] | None = None, method: str = "GWP100",
                    public: bool = False) -> dict:
    """Publish the PACT footprint of supplier product ``product`` (``COMPANY_ID/PRODUCT_ID``).

    ``access`` restricts it to those clients, ``public`` opens it to all; with neither, a
    republished product keeps its access list (a new product is public).
    """
    access = _check_access(project.path, access, public)
    doc = project.profile(product, method=method).to_pact()
    return {"product": product, **store.publish(project.path, doc, access=access, source={"product": product})}


def publish_model(project, name: str, settings: dict, access: list[str] | None = None,
                  period: tuple[str, str] | None = None, mass_kg: float | None = None,
                  company_id: str | None = None, company_name: str | None = None, method: str = "GWP100",
                  public: bool = False, per: str | None = None) -> dict:
    """Publish the PACT footprint of product model ``name`` with parameters ``settings``.

    ``period`` defaults to the current calendar year (a model's data are not a
    measured period: the comment says modelled data). A model per kilowatt peak
    (``pv_module``; PACT v3 has no kWp unit) is published ``per="piece"`` (one
    module: ``mass_kg`` its mass, the product description naming its power and
    mass) or ``per="m2"`` (``mass_kg`` per m2), see :func:`per_module`.
    """
    from .. import models
    from ..compare import default_amount
    from ..report import pact

    access = _check_access(project.path, access, public)
    if period is None:
        year = date.today().year
        period = (f"{year}-01-01", f"{year}-12-31")
    model = models.get_model(name, **settings)
    fp = project.footprint(model, amount=default_amount(model), method=method)
    kwargs = {k: v for k, v in (("company_id", company_id), ("company_name", company_name)) if v}
    if fp.unit == KWP or per:
        return {"product": fp.target.ref, **_publish_pv(project, model, fp, period, per, mass_kg, access,
                                                        {"model": name, "parameters": settings}, kwargs)}
    doc = pact.model_footprint(fp, period, mass_kg=mass_kg, **kwargs)
    return {"product": fp.target.ref,
            **store.publish(project.path, doc, access=access, source={"model": name, "parameters": settings})}


KWP = "kilowatt peak"
PV_UNITS = {"piece": "piece", "m2": "square meter"}  # --per -> the model's reference unit as PACT writes it


def per_module(model, fp, per: str):
    """``fp`` (kg CO2e for ``fp.amount`` kWp of ``model``) as the footprint of the same modules counted
    in modules (``per="piece"``: ``amount * 1000 / power_w``) or square meters (``amount * m2_per_kwp``)."""
    import dataclasses

    if per not in PV_UNITS:
        raise InputError(f"--per {per!r}: publish a PV module per piece (one module) or per m2")
    if fp.unit != KWP:
        raise InputError(f"--per applies to a model per kilowatt peak (pv_module), not per {fp.unit!r}")
    n = fp.amount * 1000.0 / model.params["power_w"] if per == "piece" else fp.amount * model.m2_per_kwp
    return dataclasses.replace(fp, amount=round(n, 9), target=dataclasses.replace(fp.target, unit=PV_UNITS[per]))


def _publish_pv(project, model, fp, period, per, mass_kg, access, source, kwargs) -> dict:
    from ..report import pact

    if not per:
        raise InputError(f"{fp.target.name} is modelled per kilowatt peak, which PACT v3 has no unit for: "
                         "publish it per module (--per piece --mass-kg MODULE_MASS) or per m2 "
                         "(--per m2 --mass-kg MASS_PER_M2)")
    if mass_kg is None or not mass_kg > 0:
        raise InputError(f"--per {per} needs --mass-kg: the module's mass [kg] "
                         f"{'per module' if per == 'piece' else 'per m2'} (from its datasheet)")
    one = model.params["power_w"] / 1000.0 if per == "piece" else 1.0 / model.m2_per_kwp  # [kWp] in 1 piece / m2
    fp = project.footprint(model, amount=one, method=fp.method)
    doc = pact.model_footprint(per_module(model, fp, per), period, mass_kg=mass_kg, **kwargs)
    power = model.params["power_w"]
    area = model.module_area_m2
    what = (f"one {power:g} W module ({power / 1000:g} kWp), {mass_kg:g} kg, {area:.3g} m2" if per == "piece" else
            f"one m2 of module ({1000 / model.m2_per_kwp:.4g} W/m2 at STC), {mass_kg:g} kg/m2")
    doc["productDescription"] = f"{doc['productDescription']}: {what}"
    doc["productIds"] = [f"{p}:per-{per}" for p in doc["productIds"]]  # per piece and per m2: two products
    return store.publish(project.path, doc, access=access, source={**source, "per": per})
