"""``lca serve``: the PACT API on uvicorn, over HTTPS only.

uvicorn is started with the certificate and key (``--cert``/``--key``, or the
development certificate of :mod:`lca.server.tls`); without them nothing is served:
there is no plain-HTTP mode. A plain HTTP request to the port fails the TLS
handshake and is dropped. Forwarded-for headers are not trusted (the client
address feeds the token rate limit) and the ``Server`` header is not sent.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from ..errors import InputError

log = logging.getLogger("lca.server")


def serve(project_path, host: str = "127.0.0.1", port: int = 8443, cert: str | None = None,
          key: str | None = None, dev_cert: bool = False, token_ttl: int | None = None,
          token_rate: int | None = None, echo=print, header_timeout: float | None = None,
          body_timeout: float | None = None, per_address: int | None = None,
          max_connections: int | None = None, inbox_limits: dict | None = None) -> None:
    """Serve ``project_path``'s published footprints until interrupted.

    The limits default to those of :mod:`lca.server.guard` (``None`` keeps the default);
    uvicorn's own ``limit_concurrency`` is off: it counts idle connections.
    """
    import uvicorn

    from .app import TOKEN_RATE, create_app
    from .guard import Guard
    from .tls import dev_certificate

    if dev_cert and (cert or key):
        raise InputError("give --cert and --key, or --dev-cert, not both")
    if dev_cert:
        cert, key = (str(p) for p in dev_certificate(project_path, (host,)))
    if not (cert and key):
        raise InputError("the PACT API is served over HTTPS only: give --cert FILE --key FILE "
                         "(or --dev-cert for a self-signed certificate on this machine)")
    for what, f in (("--cert", cert), ("--key", key)):
        if not Path(f).is_file():
            raise InputError(f"{what} {f}: no such file")
    if not 0 < int(port) < 65536:
        raise InputError(f"--port {port}: give a port between 1 and 65535")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    limits = {k: v for k, v in (("header_timeout", header_timeout), ("body_timeout", body_timeout),
                                ("per_address", per_address), ("max_connections", max_connections))
              if v is not None}
    guard = Guard(**limits)
    app = create_app(project_path, token_ttl=token_ttl, token_rate=token_rate or TOKEN_RATE,
                     default_host=f"{host}:{port}", inbox_limits=inbox_limits)
    # extra routes and mounts (e.g. a web portal) are added to `app` here, before the guard wraps
    # the connections: every route is served through the same guarded protocol and limits
    config = uvicorn.Config(app, host=host, port=int(port), ssl_certfile=cert, ssl_keyfile=key,
                            proxy_headers=False, server_header=False, log_level="info",
                            timeout_keep_alive=15, limit_concurrency=None, h11_max_incomplete_event_size=16384,
                            http=guard.protocol(), ws="none")  # no WebSocket upgrade: it would leave the guard
    echo(f"serving the PACT v3 API of {project_path} at https://{host}:{port} (Ctrl-C stops)")
    uvicorn.Server(config).run()
