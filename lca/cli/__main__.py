"""``python -m lca.cli``: the ``lca`` console script."""
from . import main

raise SystemExit(main())
