"""A real `lca serve` process on a loopback port with a development certificate, for the server tests."""
from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from lca.server import tls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``lca --project DIR serve --dev-cert`` in a subprocess; ``.url``, ``.ssl``, ``.log()``."""

    def __init__(self, project_dir: Path, *extra: str, limits: dict | None = None):
        self.dir = Path(project_dir)
        self.cert, _ = tls.dev_certificate(self.dir)  # made now, reused by the server
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.log_path = self.dir / f"serve-{self.port}.log"
        self.ssl = ssl.create_default_context(cafile=str(self.cert))
        self.clients: list = []  # closed before the server stops (see stop)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._log = open(self.log_path, "wb")
        cmd = [sys.executable, "-m", "lca.cli", "--project", str(self.dir), "serve",
               "--dev-cert", "--port", str(self.port), *extra]
        if limits:  # the connection guard's limits (lca.server.guard), through the API
            cmd = [sys.executable, "-c", "import sys, json; from lca.server.run import serve; "
                   "serve(sys.argv[1], port=int(sys.argv[2]), dev_cert=True, **json.loads(sys.argv[3]))",
                   str(self.dir), str(self.port), json.dumps(limits)]
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("lca serve exited:\n" + self.log())
            try:
                httpx.get(self.url + "/.well-known/openid-configuration", verify=self.ssl, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def client(self, **kw) -> httpx.Client:
        return self.keep(httpx.Client(base_url=self.url, verify=self.ssl, timeout=10, **kw))

    def keep(self, client: httpx.Client) -> httpx.Client:
        """Remember ``client`` to close it before the server stops."""
        self.clients.append(client)
        return client

    def token(self, client_id: str, secret: str) -> str:
        r = httpx.post(self.url + "/auth/token", data={"grant_type": "client_credentials"},
                       auth=(client_id, secret), verify=self.ssl)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Close the tests' clients, then stop the server (SIGTERM: uvicorn's graceful shutdown).

        A TLS connection a client keeps alive but never reads from holds the graceful shutdown
        until asyncio's SSL shutdown timeout (it waits for the peer's close_notify); closing the
        clients first lets the server stop at once.
        """
        for c in self.clients:
            c.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def footprint(product: str, company: str = "ACME", geography: tuple = ("geographyCountry", "CN"),
              ref_end: str = "2024-12-31T23:59:59Z", value: str = "12.5", classifications=None,
              validity: tuple | None = None, created: str = "2025-01-15T08:00:00Z") -> dict:
    """A hand-written, valid PACT v3 ProductFootprint."""
    doc = {
        "id": str(uuid.uuid4()), "specVersion": "3.0.0", "created": created, "status": "Active",
        "companyName": f"{company} Ltd.", "companyIds": [f"urn:pact:company:test:{company}"],
        "productDescription": f"product {product}", "productIds": [f"urn:pact:product:test:{product}"],
        "productNameCompany": f"Product {product}",
        "pcf": {"declaredUnitOfMeasurement": "kilogram", "declaredUnitAmount": "1",
                "productMassPerDeclaredUnit": "1", "referencePeriodStart": ref_end[:4] + "-01-01T00:00:00Z",
                "referencePeriodEnd": ref_end, "pcfExcludingBiogenicUptake": value,
                "pcfIncludingBiogenicUptake": value, "fossilGhgEmissions": value, "fossilCarbonContent": "0",
                "ipccCharacterizationFactors": ["AR6"], "crossSectoralStandards": ["ISO14067"],
                "exemptedEmissionsPercent": "0", geography[0]: geography[1]},
    }
    if classifications:
        doc["productClassifications"] = list(classifications)
    if validity:
        doc["validityPeriodStart"], doc["validityPeriodEnd"] = validity
    return doc
