"""Report writers: Excel, PACT JSON and plots, written from result objects (:mod:`lca.results`).

The writers read result objects by their attributes and never import
:mod:`lca.results` or anything that computes, so ``CarbonProfile.to_excel`` etc.
can delegate here without an import cycle.
"""
