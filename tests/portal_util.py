"""Helpers of the portal tests: workbooks, a logged-in team client, a supplier client through its link."""
from __future__ import annotations

import json
import re
from datetime import date

from cli_util import lca_in_process
from lca.supply.fill import write_workbook

PERIOD = {"reporting_period_start": date(2024, 1, 1), "reporting_period_end": date(2024, 12, 31)}
XSS = "<script>alert(1)</script>"


def workbook_data(company: str = "PT-CO", name: str = "Portal Test Co", product: str = "P1", gas: str = "N2O",
                  amount=0.5) -> dict:
    return {
        "Supplier": {"company_name": name, "company_id": company, "country": "CN", **PERIOD},
        "Products": [{"product_id": product, "product_name": "housing", "declared_unit": "kg",
                      "production_region": "CN-JS"}],
        "Materials": [{"product_id": product, "line_id": 1, "material": "polypropylene", "amount": amount,
                       "unit": "kg", "source": "background"}],
        "Emissions": [{"product_id": product, "gas": gas, "amount": 2, "unit": "g"}],
    }


def write(path, data, lang="en"):
    return write_workbook(path, data, lang)


def lca(project_dir, *args) -> str:
    """``lca --project DIR ARGS`` in this process (a subprocess adds only its start-up); stdout
    (fails the test on a non-zero exit)."""
    r = lca_in_process(project_dir, *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def lca_json(project_dir, *args) -> dict:
    return json.loads(lca(project_dir, *args))


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def client(server, **kw):
    """An HTTPS client of ``server`` (the first upload opens the project in the server: generous timeout)."""
    import httpx

    return server.keep(httpx.Client(base_url=server.url, verify=server.ssl or True, timeout=180,
                                    transport=getattr(server, "transport", None), **kw))


def login(server, name: str, password: str):
    c = client(server, follow_redirects=True)
    r = c.get("/portal/login")
    r = c.post("/portal/login", data={"csrf": csrf_of(r.text), "user": name, "password": password})
    assert r.status_code == 200 and r.url.path == "/portal/team/", (r.status_code, r.text[:500])
    return c


def supplier(server, link: str):
    c = client(server, follow_redirects=True)
    path = link.split("://", 1)[1].split("/", 1)[1]
    r = c.get("/" + path)
    return c, r


def upload(client, rid: str, path, name: str | None = None):
    page = client.get(f"/portal/supplier/r/{rid}")
    with open(path, "rb") as fh:
        return client.post(f"/portal/supplier/r/{rid}/upload", data={"csrf": csrf_of(page.text)},
                           files={"file": (name or path.name, fh.read(),
                                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
