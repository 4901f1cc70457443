"""How to plan and solve a shift plan: the objective weights and the solve options.

The model builder (:mod:`scheduling.shift_model`) reads the weights and the break, horizon and rest options;
the solve (:mod:`scheduling.optimiser`) reads the solver, time limit, gap and threads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Weights:
    """Objective weights, currency per agent-hour (``overtime_use`` is a share)."""

    shortfall: float = 400.0          # per agent-hour below ``scheduled``
    upper_shortfall: float = 60.0     # per agent-hour below ``scheduled_upper`` (the overtime band)
    overstaffing: float = 2.0         # per agent-hour above ``scheduled`` (base shifts only)
    overtime_use: float = 0.5         # expected share of offered overtime that is called: weights its cost


@dataclass(frozen=True)
class PlanOptions:
    """How to plan and solve. ``time_limit`` is in seconds for building and solving the model together;
    ``gap`` is the relative gap at which the solver stops (0.005 = 0.5%)."""

    solver: Literal["highs", "cbc"] = "highs"
    time_limit: float = 60.0
    gap: float = 0.005
    threads: int | None = None
    cyclic: bool = True
    flexible_breaks: bool = True
    weights: Weights = field(default_factory=Weights)
    fte_hours_per_week: float = 40.0
    rest_hours: float = 11.0          # least rest between one agent's shifts on consecutive days (0: not enforced)
