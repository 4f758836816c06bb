"""Server commands: ``lca publish``, ``lca clients``, ``lca serve``, ``lca events`` (the PACT v3 host system)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError
from .common import computing, dumps, out, parse_settings, project


def register(sub) -> None:
    """Add ``lca publish``, ``lca clients``, ``lca serve``, ``lca events`` to the ``lca`` sub-parsers."""
    s = computing(sub, "publish", help="store a PACT v3 ProductFootprint for `lca serve`")
    s.add_argument("product", nargs="?", help="COMPANY_ID/PRODUCT_ID of an imported supplier product")
    s.add_argument("--model", help="product model: battery_pack, vehicle, pv_module")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="model parameter")
    s.add_argument("--client", action="append", default=[], metavar="NAME",
                   help="only this API client may see it (repeatable; default: a republished product keeps "
                   "its list, a new one is public)")
    s.add_argument("--public", action="store_true", help="open it to every client (a republish otherwise keeps "
                   "the product's access list)")
    s.add_argument("--period", metavar="START:END", help="model reference period, ISO dates "
                   "(default: this calendar year)")
    s.add_argument("--mass-kg", type=float, help="model mass per declared unit [kg] where the model has none")
    s.add_argument("--per", choices=("piece", "m2"), help="declared unit of a model per kWp (pv_module, which "
                   "PACT has no unit for): one module (with --mass-kg of the module) or one m2")
    s.add_argument("--company-id", help="model publisher's company code (default GREEN-LCA-MODELS)")
    s.add_argument("--company-name", help="model publisher's company name")
    s.add_argument("--method", default="GWP100")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=publish)

    s = sub.add_parser("clients", help="API clients of `lca serve` (add prints the secret once)")
    csub = s.add_subparsers(dest="clients_command", metavar="ACTION")
    csub.required = True
    a = csub.add_parser("add", help="register a client; prints its id and secret once")
    a.add_argument("name")
    a.add_argument("--events-url", metavar="URL", help="the partner's HTTPS base URL for answers to its "
                   "requests (BASE/3/events)")
    a.add_argument("--events-client-id", metavar="ID", help="our client id at the partner's API")
    a.add_argument("--events-client-secret", metavar="SECRET", help="our secret at the partner's API "
                   "(default: $LCA_EVENTS_CLIENT_SECRET)")
    a.add_argument("--events-ca", metavar="PEM", help="CA certificate to trust for the partner's endpoint")
    a.add_argument("--json", action="store_true")
    a = csub.add_parser("list", help="registered clients (no secrets)")
    a.add_argument("--json", action="store_true")
    a = csub.add_parser("remove", help="delete a client and revoke its tokens")
    a.add_argument("name")
    s.set_defaults(handler=clients_)

    s = sub.add_parser("serve", help="PACT v3 Data Exchange API over HTTPS")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8443)
    s.add_argument("--cert", metavar="FILE", help="TLS certificate (PEM)")
    s.add_argument("--key", metavar="FILE", help="TLS private key (PEM)")
    s.add_argument("--dev-cert", action="store_true", help="self-signed certificate for local use")
    s.add_argument("--token-ttl", type=int, default=3600, metavar="S", help="access token lifetime [s]")
    s.add_argument("--token-rate", type=int, default=30, metavar="N",
                   help="token requests per minute per client address")
    s.add_argument("--header-timeout", type=float, metavar="S", help="seconds a client has to send its request "
                   "line and headers (default 10)")
    s.add_argument("--body-timeout", type=float, metavar="S", help="seconds a client has to send a request body "
                   "(default 30)")
    s.add_argument("--max-per-address", type=int, metavar="N", help="open connections per client address "
                   "(default 64)")
    s.add_argument("--max-connections", type=int, metavar="N", help="open connections in all (default 4096)")
    s.set_defaults(handler=serve)

    s = sub.add_parser("events", help="PACT events of `lca serve`: resend undelivered answers")
    esub = s.add_subparsers(dest="events_command", metavar="ACTION")
    esub.required = True
    a = esub.add_parser("resend", help="send the outbox answers that are due on the PACT retry schedule")
    a.add_argument("--all", action="store_true", help="also those whose next attempt is not due yet")
    a.add_argument("--json", action="store_true")
    s.set_defaults(handler=events)


def _server_dir(args) -> Path:
    """The project directory (``serve`` and ``clients`` use it, never its Brightway data)."""
    from ..project import default_path

    return (Path(args.project).expanduser() if args.project else default_path()).resolve()


def serve(args) -> int:
    """``lca serve``: the PACT v3 API over HTTPS."""
    from ..server.run import serve as _serve

    _serve(_server_dir(args), host=args.host, port=args.port, cert=args.cert, key=args.key, dev_cert=args.dev_cert,
           token_ttl=args.token_ttl, token_rate=args.token_rate, echo=lambda t: print(t, file=sys.stderr),
           header_timeout=args.header_timeout, body_timeout=args.body_timeout, per_address=args.max_per_address,
           max_connections=args.max_connections)
    return 0


def events(args) -> int:
    """``lca events resend``: one sweep of the outbox (:mod:`lca.server.outbox`)."""
    import asyncio

    from ..server import outbox

    counts = asyncio.run(outbox.sweep(_server_dir(args), force=args.all))
    if args.json:
        out(dumps(counts))
    else:
        out(f"{counts['sent']} sent, {counts['failed']} failed (retried later), {counts['expired']} expired "
            f"(moved to pact/outbox/expired), {counts['waiting']} not due yet")
    return 0


def clients_(args) -> int:
    """``lca clients add|list|remove``: API clients of the server (``add`` prints the secret once)."""
    import os

    from ..server import clients

    path = _server_dir(args)

    if args.clients_command == "add":
        auth = None
        if args.events_client_id:
            secret = args.events_client_secret or os.environ.get("LCA_EVENTS_CLIENT_SECRET")
            if not secret:
                raise InputError("--events-client-id needs --events-client-secret or $LCA_EVENTS_CLIENT_SECRET")
            auth = (args.events_client_id, secret)
        new = clients.add(path, args.name, events_url=args.events_url, events_auth=auth, events_ca=args.events_ca)
        if args.json:
            out(dumps({"name": new["name"], "client_id": new["client_id"], "client_secret": new["client_secret"]}))
        else:
            out(f"client {new['name']}\n  client_id:     {new['client_id']}\n  client_secret: {new['client_secret']}")
            print("the secret is shown only now; store it safely (only its hash is kept)", file=sys.stderr)
    elif args.clients_command == "list":
        rows = clients.listing(path)
        if args.json:
            out(dumps({"clients": rows}))
        else:
            for r in rows:
                out(f"{r['name']:<24} {r['client_id']}  {r['events_url'] or ''}")
    else:
        clients.remove(path, args.name)
        out(f"removed client {args.name}; its tokens no longer work")
    return 0


def publish(args) -> int:
    """``lca publish PRODUCT | --model NAME``: compute, then store a PACT footprint for the server."""
    from ..server import publish as _publish

    if bool(args.model) == bool(args.product):
        raise InputError("give PRODUCT (COMPANY_ID/PRODUCT_ID) or --model NAME")
    proj = project(args)
    if args.model:
        period = None
        if args.period:
            start, sep, end = args.period.partition(":")
            if not sep:
                raise InputError(f"--period {args.period!r}: write START:END, e.g. 2025-01-01:2025-12-31")
            period = (start, end)
        res = _publish.publish_model(proj, args.model, parse_settings(args.set), access=args.client, period=period, public=args.public, per=args.per,
                                     mass_kg=args.mass_kg, company_id=args.company_id,
                                     company_name=args.company_name, method=args.method)
    else:
        if args.set or args.period or args.mass_kg is not None or args.per:
            raise InputError("--set, --period, --mass-kg and --per apply to --model only")
        res = _publish.publish_product(proj, args.product, access=args.client, method=args.method,
                                       public=args.public)
    if args.json:
        out(dumps(res))
    elif res["unchanged"]:
        out(f"{res['product']}: unchanged, already published as {res['id']}")
    else:
        out(f"{res['product']}: published {res['id']}"
            + (f" (deprecates {', '.join(res['deprecated'])})" if res["deprecated"] else ""))
    return 0
