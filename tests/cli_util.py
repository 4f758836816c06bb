"""The ``lca`` command line run in this process, for tests (a subprocess would add only its start-up)."""
import contextlib
import io
import types

from lca import cli


def lca_in_process(project_dir, *args):
    """``lca --project DIR ARGS`` in this process: ``.returncode``, ``.stdout``, ``.stderr``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["--project", str(project_dir), *args])
        except SystemExit as exc:  # argparse
            code = exc.code
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())
