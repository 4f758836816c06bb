"""Negative supplies told apart: avoided burdens (computed, as bw2calc does, with a note) from loops that consume more than they produce (refused).

A negative supply in a solved product system has two causes:

- an **avoided burden**: an activity's negative input (or a ``substitution`` exchange) of a
  product credits that product's supply chain, whose supply may then be negative. bw2calc
  computes such a system as it is, and so does green-lca, in ``footprint`` as in
  ``footprints`` (the same numbers), with a note naming the crediting exchanges;
- a **loop that consumes more than it produces** while every input of the chain is
  positive: the system is solvable, but no physical supply is negative; that is refused,
  naming the activities whose supply is negative and what was found.

A waste treatment (ecoinvent's convention: a negative reference amount, e.g. -1 kg of
"waste plastic" for "treatment of waste plastic") is no negative supply: demanded for
itself, one unit of its reference product is one unit of waste handed to it, i.e. -1 unit
of its activity; bw2calc's footprint of it is the treatment's, with the sign reversed, and
so is green-lca's (:func:`waste_note`). Its supply chain is checked as treated.

Pure: reads the solver's :class:`lca.engine.System` and a supply vector.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp

from . import engine
from .errors import LcaError

MAX_NAMED = 5


def credits(system: engine.System, x: np.ndarray) -> list[tuple[int, int, float]]:
    """(crediting column, credited column, matrix value) of the avoided-burden entries of the supply ``x``:
    off-diagonal entries ``A[r, c] > 0`` (a negative input, or a substitution) in a column that is supplied."""
    A = system.A.tocoo()
    act_of_row = np.full(system.A.shape[0], -1, dtype=np.int64)
    act_of_row[system.product_row] = np.arange(system.n)
    tol = 1e-12 * float(np.abs(x).max()) if len(x) else 0.0
    own = system.product_row[A.col] == A.row
    # a row of a waste treatment's product (negative reference amount) counts with its sign reversed: a
    # producer's positive entry there is the waste it hands over, not a credit
    row_sign = np.ones(system.A.shape[0])
    row_sign[system.product_row] = system.signs()
    pick = (A.data * row_sign[A.row] > 0) & ~own & (np.abs(x[A.col]) > tol)
    return [(int(c), int(act_of_row[r]), float(v)) for r, c, v in zip(A.row[pick], A.col[pick], A.data[pick])]


def check(system: engine.System, x: np.ndarray, target: str, ref_of: Callable[[int], str]) -> list[str]:
    """Notes on the negative supplies of ``x`` (avoided burdens); LcaError if they come from a loop that
    consumes more than it produces. ``ref_of(column) -> "database:code"``."""
    negative = engine.check_supply(system, x)
    if not negative:
        return []
    found = credits(system, x)
    shown = ", ".join(f"{ref_of(c)} ({x[c]:.4g})" for c in negative[:MAX_NAMED])
    more = f" and {len(negative) - MAX_NAMED} more" if len(negative) > MAX_NAMED else ""
    if not found:
        raise LcaError(
            f"negative supply in the product system of {target}: {shown}{more}, while every input of the chain is "
            "positive: a loop consumes more than it produces (no avoided burden explains it). Check the amounts "
            "in that loop.")
    pairs = ", ".join(f"{ref_of(c)} avoids {ref_of(r)}" for c, r, _ in found[:MAX_NAMED])
    extra = f" and {len(found) - MAX_NAMED} more" if len(found) > MAX_NAMED else ""
    return [f"avoided burdens: {pairs}{extra} (negative inputs or substitutions); the supply of {shown}{more} is "
            "negative and their emissions are subtracted, as bw2calc computes it (lca footprints gives the same "
            "number)"]


def overproducing_dependents(system: engine.System) -> tuple[list[np.ndarray], np.ndarray]:
    """The loops that consume more than they produce while every input is positive (arrays of columns) and,
    by column, whether an activity's supply chain runs through one: its footprint cannot be computed (the
    supply of the loop would be negative, as :func:`check` refuses for one footprint)."""
    loops = system.loops_consuming_more_than_made()
    hit = np.zeros(system.n, dtype=bool)
    if not loops:
        return loops, hit
    from scipy.sparse.csgraph import breadth_first_order

    # M[i, j] != 0: activity j uses the product of activity i, so j depends on i (edge i -> j)
    M = sp.csr_matrix(system.A)[system.product_row, :]
    for cols in loops:
        hit[breadth_first_order(M, int(cols[0]), directed=True, return_predecessors=False)] = True
    return loops, hit


def refuse_overproducing(loops: list[np.ndarray], dependents: list[str], ref_of: Callable[[int], str]) -> None:
    """LcaError naming the loops and the footprints (refs) that depend on them, if any do."""
    if not dependents:
        return
    named = "; ".join(", ".join(ref_of(int(c)) for c in cols[:MAX_NAMED]) + (" ..." if len(cols) > MAX_NAMED else "")
                      for cols in loops[:MAX_NAMED])
    shown = ", ".join(dependents[:MAX_NAMED]) + (f" and {len(dependents) - MAX_NAMED} more" if len(dependents) > MAX_NAMED
                                                  else "")
    raise LcaError(
        f"{len(dependents)} footprint(s) cannot be computed ({shown}): their supply chains run through a loop that "
        f"consumes more than it produces while every input is positive ({named}); its supply would be negative. "
        "Check the amounts in that loop (`lca footprint` of one of them says what was found).")


def waste_note(target: str, amount: float) -> str:
    """The note of a footprint whose target is a waste treatment (a negative reference amount)."""
    return (f"{target} is a waste treatment (negative reference amount, ecoinvent's convention): {amount:g} unit(s) "
            f"of its reference product, counted as the treatment makes it (-1 per unit treated), are {-amount:g} "
            f"unit(s) treated; the footprint is that of treating {amount:g} unit(s) with its sign reversed, as "
            "bw2calc computes it (lca footprints gives the same number)")
