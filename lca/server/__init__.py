"""The PACT v3 Data Exchange API host system: publication store, API clients, the HTTPS server.

Modules: :mod:`~lca.server.files` (atomic private files), :mod:`~lca.server.store`
(published ProductFootprints and received events under ``PROJECT/pact/``),
:mod:`~lca.server.clients` (API clients, secret hashes, signed bearer tokens),
:mod:`~lca.server.filters` (ListFootprints criteria), :mod:`~lca.server.events`
(CloudEvents in and out), :mod:`~lca.server.app` (the Starlette application),
:mod:`~lca.server.tls` (development certificate), :mod:`~lca.server.run` (uvicorn),
:mod:`~lca.server.publish` (``lca publish``: compute, then store).

The server itself never opens the Brightway project: it serves the stored JSON
documents, so it needs no lock and keeps answering while another process imports.
"""
