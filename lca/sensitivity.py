"""Sensitivity: which model parameters drive the variance (Sobol first-order and total indices, SALib)."""
from __future__ import annotations

from . import hooks


def sensitivity(project, target, **options):
    raise NotImplementedError


hooks.provide("sensitivity", sensitivity)
