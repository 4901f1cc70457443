"""The roster's labour rules, solver settings and objective weights.

A module of their own so that the assignment model (:mod:`scheduling.roster_assign`) and the roster
built with it (:mod:`scheduling.roster`) can both read them without importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RosterWeights:
    """Objective weights (penalty points). The j-th night of one agent costs ``night * j``, and so on."""

    open_shift_hour: float = 100.0   # per paid hour of a planned shift left open
    # per hour of planned overtime not offered (its shift staffed without it): below an open hour, since
    # overtime is an offer paid only if worked and an open shift is a hole, so a shift is never left
    # open to keep its overtime
    overtime_not_offered: float = 50.0
    preference: float = 1.0          # per shift of a kind the agent did not ask for; per preferred day off worked
    night: float = 0.5
    weekend: float = 0.3
    late: float = 0.2
    contract_use: float = 0.02       # reward per contracted minimum hour of an agent given a week's tour


@dataclass(frozen=True)
class RosterOptions:
    """Labour rules and solver settings. Hours are real elapsed hours; ``time_limit`` seconds per site."""

    rest_hours: float = 11.0
    max_consecutive_days: int = 6
    time_limit: float = 30.0
    gap: float = 0.01
    threads: int | None = None
    workers: int = 2                  # threads solving sites side by side (sites share no agents)
    weights: RosterWeights = field(default_factory=RosterWeights)
