"""The supplier portal: data requests, uploads checked cell by cell, review and dashboards, under ``/portal/``.

Served by ``lca serve`` beside the PACT API (``--no-portal`` turns it off), over
the same HTTPS. Modules: :mod:`~lca.portal.files` (``PROJECT/portal/``, atomic
writes under one lock), :mod:`~lca.portal.accounts` (team users, scrypt
hashes), :mod:`~lca.portal.datarequests` (requests, states, invitation
links), :mod:`~lca.portal.workflow` (template, upload check, submit, accept,
decline: the one API of the pages and ``lca requests``),
:mod:`~lca.portal.dashboard` (products, profiles and shares),
:mod:`~lca.portal.sessions` (cookies, CSRF, login rate limit),
:mod:`~lca.portal.i18n` (English and Chinese), :mod:`~lca.portal.web` (the
ASGI app, security headers, login), :mod:`~lca.portal.team` and
:mod:`~lca.portal.supplier` (the pages). Templates and static files are
package data (``templates/``, ``static/``); plotly's JavaScript is served from
the installed plotly wheel.
"""
