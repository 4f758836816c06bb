"""Portal commands: ``lca users`` (team accounts) and ``lca requests`` (supplier data requests)."""
from __future__ import annotations

import os
import sys
from datetime import datetime, timezone

from pathlib import Path

from .common import dumps, out, project

DEFAULT_URL = "https://127.0.0.1:8443"


def _server_dir(args) -> Path:
    """The project directory (the portal's files; only `requests review --accept` opens its Brightway data)."""
    from ..project import default_path

    return (Path(args.project).expanduser() if args.project else default_path()).resolve()


def register(sub) -> None:
    """Add ``lca users`` and ``lca requests`` to the ``lca`` sub-parsers."""
    s = sub.add_parser("users", help="team accounts of the portal (add prints a one-time password)")
    usub = s.add_subparsers(dest="users_command", metavar="ACTION")
    usub.required = True
    a = usub.add_parser("add", help="create an account; prints its password once")
    a.add_argument("name")
    a.add_argument("--role", choices=("team", "viewer"), default="team",
                   help="team: create and review requests; viewer: read only (default team)")
    a.add_argument("--json", action="store_true")
    a = usub.add_parser("list", help="accounts (no passwords)")
    a.add_argument("--json", action="store_true")
    a = usub.add_parser("remove", help="delete an account (its sessions end)")
    a.add_argument("name")
    s.set_defaults(handler=users)

    s = sub.add_parser("requests", help="supplier data requests of the portal")
    rsub = s.add_subparsers(dest="requests_command", metavar="ACTION")
    rsub.required = True
    a = rsub.add_parser("add", help="create a request; prints the supplier's invitation link once")
    a.add_argument("company_id", metavar="COMPANY_ID")
    a.add_argument("--product", action="append", required=True, metavar="PRODUCT_ID",
                   help="a requested product id (repeatable)")
    a.add_argument("--period", required=True, metavar="START:END", help="reporting period, ISO dates")
    a.add_argument("--due", required=True, metavar="DATE", help="due date, ISO")
    a.add_argument("--draft", action="store_true", help="save without a link (the page's Send issues one)")
    a.add_argument("--base-url", metavar="URL", help="the portal's address in the link (default: "
                   f"$LCA_PORTAL_URL, else {DEFAULT_URL})")
    a.add_argument("--json", action="store_true")
    a = rsub.add_parser("list", help="every request with its state")
    a.add_argument("--json", action="store_true")
    a = rsub.add_parser("review", help="accept (import) or decline a submitted request")
    a.add_argument("id", metavar="ID")
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--accept", action="store_true", help="import the submission (atomic) and accept")
    g.add_argument("--decline", metavar="REASON", help="decline, telling the supplier why")
    a.add_argument("--json", action="store_true")
    a = rsub.add_parser("revoke", help="withdraw a request: its link stops working")
    a.add_argument("id", metavar="ID")
    s.set_defaults(handler=requests_)


def users(args) -> int:
    """``lca users add|list|remove``."""
    from ..portal import accounts

    path = _server_dir(args)
    if args.users_command == "add":
        new = accounts.add(path, args.name, role=args.role)
        if args.json:
            out(dumps({"name": new["name"], "password": new["password"]}))
        else:
            out(f"user {new['name']} ({args.role})\n  password: {new['password']}")
            print("the password is shown only now; only its hash is kept", file=sys.stderr)
    elif args.users_command == "list":
        rows = accounts.listing(path)
        if args.json:
            out(dumps({"users": rows}))
        else:
            for r in rows:
                out(f"{r['name']:<24} {r['role']}")
    else:
        accounts.remove(path, args.name)
        out(f"removed user {args.name}")
    return 0


def _row(r: dict) -> str:
    when = datetime.fromtimestamp(r["created"], tz=timezone.utc).date().isoformat()
    state = r["state"].replace("_", " ") + (" (overdue)" if r["overdue"] else "")
    return (f"{r['id']}  {r['company_id']:<16} {','.join(r['products']):<24} {r['period'][0]}:{r['period'][1]}  "
            f"due {r['due']}  {state}  (created {when})")


def requests_(args) -> int:
    """``lca requests add|list|review|revoke``: the same API as the portal's pages."""
    from ..portal import datarequests as dr
    from ..portal import workflow

    path = _server_dir(args)
    cmd = args.requests_command
    if cmd == "add":
        base = args.base_url or os.environ.get("LCA_PORTAL_URL") or DEFAULT_URL
        res = dr.add(path, args.company_id, args.product, args.period, args.due, by="cli", base_url=base,
                     draft=args.draft)
        if args.json:
            out(dumps(res))
        else:
            out(f"request {res['id']} for {args.company_id}\n  link: {res['link'] or '(draft: no link yet)'}")
            if res["link"]:
                print("the link is shown only now; `lca requests revoke ID` withdraws it", file=sys.stderr)
    elif cmd == "list":
        rows = dr.listing(path)
        if args.json:
            out(dumps({"requests": rows}))
        else:
            for r in rows:
                out(_row(r))
    elif cmd == "review":
        if args.accept:
            rec = workflow.accept(project(args), args.id, by="cli")
        else:
            rec = workflow.decline(path, args.id, args.decline, by="cli")
        if args.json:
            out(dumps(dr.view(rec)))
        else:
            out(f"request {args.id}: {rec['state']}")
    else:
        dr.revoke(path, args.id, by="cli")
        out(f"request {args.id} withdrawn; its link no longer works")
    return 0
