"""The project state: the small file that records a project's set-up, its generation and the writes in progress.

A project directory's ``green-lca.json`` (:class:`ProjectState`, ``project.state``)
holds what is not in Brightway's own files: the set-up record (inventories
version, methods written), the ``generation`` counter that every write bumps so
that no process keeps results computed before another wrote, and the databases
whose write was started and not finished (``pending``, repaired by the next
command). :mod:`lca.project`, :mod:`lca.setup`, :mod:`lca.integrity` and a
background import (:mod:`lca.background.release`) read and change it only through
these methods. Every change replaces the whole file atomically (:mod:`lca.files`);
the callers hold the project's write lock.
"""
from __future__ import annotations

import json
from pathlib import Path

from .errors import IntegrityError
from .files import atomic_write_text


class ProjectState:
    """The state file of one project directory (see the module docstring).

    Parameters
    ----------
    path : pathlib.Path
        The state file (``PROJECT/green-lca.json``); missing means an empty state.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"ProjectState({str(self.path)!r})"

    def exists(self) -> bool:
        """Whether the state file was ever written."""
        return self.path.exists()

    def read(self) -> dict:
        """The whole state (a fresh dict; empty if the file is missing).

        Raises
        ------
        lca.IntegrityError
            The file is unreadable (delete it and run ``lca init``).
        """
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise IntegrityError(
                f"{self.path} is unreadable ({exc}); delete it and run `lca init` to rebuild"
            ) from exc

    def get(self, key: str, default=None):
        """One value of the state."""
        return self.read().get(key, default)

    def write(self, state: dict) -> None:
        """Replace the whole state (atomically)."""
        atomic_write_text(self.path, json.dumps(state, indent=1, sort_keys=True), fsync=False)

    def set(self, key: str, value) -> None:
        """Set one value, or remove it with ``value=None``, without bumping the generation."""
        state = self.read()
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
        self.write(state)

    @property
    def generation(self):
        """The write counter (None before the first write)."""
        return self.read().get("generation")

    def bump(self, **updates) -> None:
        """Set ``updates`` and count one more write (the generation), in one atomic replace."""
        state = self.read()
        state.update(updates)
        state["generation"] = int(state.get("generation", 0)) + 1
        self.write(state)

    def pending(self) -> list[str]:
        """Databases whose write was started and not finished (state ``pending``)."""
        p = self.read().get("pending")
        return [p] if isinstance(p, str) else list(p or [])

    def set_pending(self, name: str, on: bool) -> None:
        """Mark database ``name``'s write as started (``on``) or finished; bumps the generation."""
        names = [n for n in self.pending() if n != name] + ([name] if on else [])
        self.bump(pending=names or None)
