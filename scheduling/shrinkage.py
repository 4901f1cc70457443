"""Shrinkage: the share of paid time that scheduled agents are not on line, by category.

``scheduled = ceil(agents / (1 - total))`` turns on-line agents into scheduled agents, in exact
rational arithmetic (shares are read as the decimals typed, so 100 agents at 30% is 143 and
42 at 30% is exactly 60, never 61 from float rounding).

Breaks are never counted twice, by construction. A category the shift optimiser places inside
the shifts it builds (breaks, lunches) is a :class:`PlacedBreak`, a distinct type. Asking a
:class:`ShrinkageTable` for a queue's shrinkage with ``breaks_placed_by_optimiser=True`` (the
default, the scheduling pipeline's case) leaves every ``PlacedBreak`` out of the total and
lists it under ``left_to_optimiser`` instead; only ``breaks_placed_by_optimiser=False`` (no
optimiser: a plain Erlang calculation of heads to schedule) counts it. There is no way to get
a total that includes a break the optimiser will also place.

File format (``data/shrinkage.csv``): ``category, percent, queues, placed_by_optimiser`` where
``percent`` is a share of paid time in percent, ``queues`` is ``all`` or queue names separated
by ``;`` and ``placed_by_optimiser`` is ``yes``/``no``. A queue's categories are the ``all``
rows plus its own rows; a queue row overrides an ``all`` row of the same category.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from forecasting.validation import InputError

DEFAULT_SHRINKAGE = Path(__file__).resolve().parent.parent / "data" / "shrinkage.csv"
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class Category:
    """Paid time off the phones that inflates the scheduled headcount (absence, training...)."""

    name: str
    share: Fraction  # of paid time, 0.06 = 6%
    queues: frozenset[str] | None = None  # None: every queue

    def applies_to(self, queue: str) -> bool:
        return self.queues is None or queue in self.queues


@dataclass(frozen=True)
class PlacedBreak(Category):
    """Breaks and lunches that the shift optimiser places inside shifts itself."""


@dataclass(frozen=True)
class Shrinkage:
    """One queue's shrinkage: the categories counted in ``total`` and those left to the optimiser."""

    counted: tuple[Category, ...]
    left_to_optimiser: tuple[PlacedBreak, ...] = ()

    @property
    def total(self) -> Fraction:
        return sum((c.share for c in self.counted), Fraction(0))

    def scheduled(self, agents: ArrayLike) -> NDArray[np.int64]:
        """Scheduled agents for on-line ``agents`` (whole numbers): ceil(agents / (1 - total)), exact."""
        return scheduled_agents(agents, self.total)


def scheduled_agents(agents: ArrayLike, shrinkage: Fraction | float) -> NDArray[np.int64]:
    """ceil(agents / (1 - shrinkage)) in exact integer arithmetic (a float share is read as its decimal)."""
    share = shrinkage if isinstance(shrinkage, Fraction) else Fraction(repr(float(shrinkage)))
    if not (0 <= share < 1):
        raise InputError("shrinkage must be at least 0% and below 100%.", column="shrinkage", value=float(share))
    on_line = np.asarray(agents)
    keep = 1 - share  # = p / q
    p, q = keep.numerator, keep.denominator
    if on_line.size and int(np.max(on_line, initial=0)) * q >= 2 ** 62:
        # numbers beyond int64: Python integers, elementwise
        out = np.array([-(-int(v) * q // p) for v in on_line.ravel()], dtype=object).reshape(on_line.shape)
        return out.astype(np.int64)[()]
    ints = on_line.astype(np.int64)
    return (-(-ints * q // p))[()]


class ShrinkageTable:
    """Shrinkage categories of every queue, as read from ``shrinkage.csv``."""

    def __init__(self, categories: tuple[Category, ...]) -> None:
        self.categories = categories

    def for_queue(self, queue: str, *, breaks_placed_by_optimiser: bool = True) -> Shrinkage:
        chosen: dict[str, Category] = {}
        for category in self.categories:
            if category.queues is None:
                chosen.setdefault(category.name, category)
        for category in self.categories:
            if category.queues is not None and queue in category.queues:
                chosen[category.name] = category  # a queue's own row overrides the 'all' row
        items = tuple(chosen.values())
        left = tuple(c for c in items if isinstance(c, PlacedBreak)) if breaks_placed_by_optimiser else ()
        counted = tuple(c for c in items if c not in left)
        result = Shrinkage(counted, left)
        if result.total >= 1:
            raise InputError(f"queue '{queue}': shrinkage adds up to {float(result.total):.1%}; it must stay "
                             "below 100%.", column="percent", value=float(result.total * 100),
                             fix="lower the percentages in the shrinkage table.")
        return result

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "category": [c.name for c in self.categories],
            "percent": [float(c.share * 100) for c in self.categories],
            "queues": ["all" if c.queues is None else ";".join(sorted(c.queues)) for c in self.categories],
            "placed_by_optimiser": ["yes" if isinstance(c, PlacedBreak) else "no" for c in self.categories],
        })


def load_shrinkage(source: str | Path | bytes | pd.DataFrame = DEFAULT_SHRINKAGE) -> ShrinkageTable:
    """Read and validate a shrinkage table; raises :class:`InputError` naming row, column and value."""
    if isinstance(source, pd.DataFrame):
        frame, name = source.astype(str), "shrinkage table"
    elif isinstance(source, bytes):
        frame, name = pd.read_csv(io.BytesIO(source), dtype=str, keep_default_na=False), "shrinkage file"
    else:
        path = Path(source)
        if not path.exists():
            raise InputError("the file does not exist.", file=str(path), fix="check the path.")
        frame, name = pd.read_csv(path, dtype=str, keep_default_na=False), path.name
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for column in ("category", "percent"):
        if column not in frame.columns:
            raise InputError(f"the column '{column}' is missing.", file=name,
                             fix="use the columns category, percent, queues, placed_by_optimiser.")
    categories = []
    for i, record in enumerate(frame.to_dict("records")):
        row = i + 2
        label = str(record.get("category", "")).strip()
        if not label or label.lower() == "nan":
            raise InputError("a category needs a name.", file=name, row=row, column="category")
        text = str(record["percent"]).strip()
        try:
            share = Fraction(text) / 100
        except (ValueError, ZeroDivisionError):
            raise InputError("percent must be a number (8.5 = 8.5% of paid time).", file=name, row=row,
                             column="percent", value=text) from None
        if not (0 <= share < 1):
            raise InputError("percent must be at least 0 and below 100.", file=name, row=row, column="percent",
                             value=text)
        scope = str(record.get("queues", "all")).strip()
        queues = None if scope.lower() in ("", "all", "*", "nan") else frozenset(
            q.strip() for q in scope.split(";") if q.strip())
        flag = str(record.get("placed_by_optimiser", "no")).strip().lower()
        if flag not in _YES | _NO | {"nan"}:
            raise InputError("placed_by_optimiser must be yes or no.", file=name, row=row,
                             column="placed_by_optimiser", value=flag)
        kind = PlacedBreak if flag in _YES else Category
        categories.append(kind(label, share, queues))
    return ShrinkageTable(tuple(categories))
