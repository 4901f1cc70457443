"""Holidays and events of one queue as day windows a daily model can learn.

Everything here is in the queue's local calendar: dates are naive midnight ``Timestamp``s, lifts
are fractions (0.25 = +25 %). The windows become Prophet "holidays" (one coefficient per name and
day offset), so a launch's lead-in day, its first day and each day of its decay are learned
separately from past launches and replayed on future ones.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.calendar import country_holidays
from forecasting.validation import InputError

LIFT_KINDS = ("launch", "campaign", "other")  # kinds whose effect is learned, or typed by the planner
EVENT_PREFIX = "event: "  # Prophet column prefix of learned event effects
PUBLIC_HOLIDAY = "public holiday"
QUIET_HOLIDAY = "holiday on a quiet weekday"
NAME_PRIOR = 1.0  # prior scale of one holiday's own deviation from the common holiday effect
CATCH_UP = "catch-up after closure"
QUIET_CATCH_UP = "catch-up after a holiday on a quiet day"
BRIDGE = "between holidays"
MAX_EVENT_DAYS = 21  # longest learned window: a launch's decay rarely lasts longer
BRIDGE_GAP_DAYS = 7  # two holidays this close make the days between them quiet (Christmas to New Year)
CATCH_UP_SEARCH_DAYS = 5  # how far past a holiday to look for the first open day


def events_for_queue(events: pd.DataFrame, queue: str) -> pd.DataFrame:
    """The events that touch ``queue`` (an empty ``queues`` tuple means all queues)."""
    if events is None or events.empty:
        return pd.DataFrame(columns=["name", "kind", "start", "end", "queues", "lift", "decay_days"])
    mask = [not qs or queue in qs for qs in events["queues"]]
    return events[mask].reset_index(drop=True)


def check_events(events: pd.DataFrame, known_queues: list[str] | None = None, *, label: str = "events") -> None:
    """Raise :class:`InputError` for unknown queues and for two events of one kind overlapping on one queue.

    Different kinds may overlap (a campaign during a launch week): their effects add up. Two of the
    same kind overlapping is almost always a duplicated row, and the model could not tell them apart.
    """
    if events is None or events.empty:
        return
    queues = set(known_queues or [])
    for i, event in enumerate(events.itertuples(index=False)):
        if known_queues is not None:
            unknown = [q for q in event.queues if q not in queues]
            if unknown:
                raise InputError(f"event '{event.name}' names an unknown queue '{unknown[0]}' "
                                 f"(known: {', '.join(sorted(queues))}).", file=label, row=i + 2, column="queues",
                                 fix="use queue names from the queues file, separated by ';', or 'all'.")
        for j in range(i):
            other = events.iloc[j]
            if other["kind"] != event.kind or event.kind == "holiday":
                continue
            shared = _shared_queues(event.queues, other["queues"])
            if shared and event.start <= other["end"] and other["start"] <= event.end:
                raise InputError(
                    f"events '{other['name']}' (row {j + 2}) and '{event.name}' are both of kind {event.kind} on "
                    f"{shared} and overlap in time.", file=label, row=i + 2, column="start",
                    fix="merge them into one event, or move one so they do not overlap.")


def _shared_queues(a: tuple, b: tuple) -> str:
    if not a and not b:
        return "all queues"
    if not a or not b:
        return ", ".join(sorted(b or a))
    return ", ".join(sorted(set(a) & set(b)))


@dataclass(frozen=True)
class QueueCalendar:
    """Holidays, closures and events of one queue over a range of local dates.

    ``holidays`` maps each public or custom holiday date to its name; ``open_weekdays`` are the
    weekdays (Monday=0) the queue opens; ``events`` are this queue's events (load_events format);
    ``quiet_weekdays`` the open weekdays far below the others (a weekend), where a holiday changes
    little and which make the working day between them and a holiday a bridge day.
    """

    holidays: dict[pd.Timestamp, str]
    open_weekdays: frozenset[int]
    events: pd.DataFrame
    quiet_weekdays: frozenset[int] = frozenset()

    @classmethod
    def build(cls, country: str, years: range, events: pd.DataFrame, open_weekdays: set[int]) -> "QueueCalendar":
        """Country holidays for ``years`` plus the events of kind ``holiday`` (each day of their span)."""
        days = {pd.Timestamp(d): _clean_name(n) for d, n in country_holidays(country, years).items()}
        for event in events[events["kind"] == "holiday"].itertuples():
            for day in pd.date_range(event.start.normalize(), event.end.normalize(), freq="D"):
                days[day] = event.name
        return cls(days, frozenset(open_weekdays), events.reset_index(drop=True))

    def _off(self, day: pd.Timestamp) -> bool:
        """Closed, quiet (weekend-like) or a holiday: a day most customers do not call."""
        weekday = day.day_of_week
        return weekday not in self.open_weekdays or weekday in self.quiet_weekdays or day in self.holidays

    def catch_up_days(self) -> dict[pd.Timestamp, str]:
        """First open, non-holiday day after each holiday, where held-back demand lands (unless a bridge day)
        -> :data:`CATCH_UP` after a holiday on a busy weekday, :data:`QUIET_CATCH_UP` after one on a quiet
        or closed weekday, which held back little demand (a Sunday holiday for a weekday service desk) and
        so is learned apart."""
        found: dict[pd.Timestamp, str] = {}
        bridges = set(self.bridge_days())
        busy = self.open_weekdays - self.quiet_weekdays
        for day in sorted(self.holidays):
            kind = CATCH_UP if day.day_of_week in busy else QUIET_CATCH_UP
            for ahead in range(1, CATCH_UP_SEARCH_DAYS + 1):
                candidate = day + pd.Timedelta(days=ahead)
                if candidate.day_of_week in self.open_weekdays and candidate not in self.holidays:
                    if candidate not in bridges and found.get(candidate) != CATCH_UP:
                        found[candidate] = kind
                    break
        return dict(sorted(found.items()))

    def bridge_days(self) -> list[pd.Timestamp]:
        """Working days many take off: between two holidays at most a week apart (Christmas to New Year),
        or a single working day between a holiday and a weekend (the Friday after a Thursday holiday)."""
        dates = sorted(self.holidays)
        found = set()
        for first, second in zip(dates, dates[1:]):
            gap = (second - first).days
            if 1 < gap <= BRIDGE_GAP_DAYS:
                found.update(first + pd.Timedelta(days=k) for k in range(1, gap))
        one = pd.Timedelta(days=1)
        for day in dates:
            for step in (one, -one):
                candidate = day + step
                if not self._off(candidate) and self._off(candidate + step):
                    found.add(candidate)
        return sorted(found - set(self.holidays))

    def outage_days(self) -> set[pd.Timestamp]:
        """Local dates touched by an outage: their volume says nothing about demand."""
        days: set[pd.Timestamp] = set()
        for event in self.events[self.events["kind"] == "outage"].itertuples():
            days.update(pd.date_range(event.start.normalize(), event.end.normalize(), freq="D"))
        return days

    def lift_events(self) -> pd.DataFrame:
        """Launches, campaigns and 'other' events, with their local start date and window length (days)."""
        rows = self.events[self.events["kind"].isin(LIFT_KINDS)].copy()
        if rows.empty:
            return rows.assign(day=pd.Series(dtype="datetime64[us]"), days=pd.Series(dtype=int))
        rows["day"] = pd.to_datetime(rows["start"]).dt.normalize()
        span = (pd.to_datetime(rows["end"]).dt.normalize() - rows["day"]).dt.days
        # One day past the end for the tail of the decay, and a typed decay may reach further.
        rows["days"] = np.minimum(np.maximum(span + 1, rows["decay_days"].fillna(0)), MAX_EVENT_DAYS).astype(int)
        return rows.reset_index(drop=True)

    def known_kinds(self, train_end: pd.Timestamp) -> set[str]:
        """Kinds with at least one past event (started before ``train_end``) to learn their effect from."""
        rows = self.lift_events()
        return set(rows.loc[rows["day"] < train_end, "kind"])

    def prophet_frame(self, train_start: pd.Timestamp, train_end: pd.Timestamp) -> pd.DataFrame:
        """Prophet ``holidays`` frame: holiday, ds, lower_window, upper_window, prior_scale.

        Every holiday counts as a ``public holiday`` with the day before it (dips ahead of it); its
        own name adds a smaller, regularised deviation (Christmas is not Memorial Day). A holiday on a
        quiet weekday is a separate ``holiday on a quiet weekday``. Then the two days of catch-up after
        a holiday or closure (after a quiet-day holiday apart), the bridge days, and one window per learnable
        event kind: the lead-in day (-1) and every day of the event and its decay. Only names seen
        between ``train_start`` and ``train_end`` are kept (the generic catch-up, bridge and quiet-day
        windows at least twice): the others have nothing, or too little, to learn from.
        """
        # On a weekend-like day a holiday changes little: it gets its own, separately learned effect.
        quiet = {day for day in self.holidays if day.day_of_week in self.quiet_weekdays}
        rows = [(QUIET_HOLIDAY if day in quiet else PUBLIC_HOLIDAY, day, -1, 0, 10.0) for day in self.holidays]
        rows += [(name, day, 0, 0, NAME_PRIOR) for day, name in self.holidays.items() if day not in quiet]
        rows += [(kind, day, 0, 1, 10.0) for day, kind in self.catch_up_days().items()]
        rows += [(BRIDGE, day, 0, 0, 10.0) for day in self.bridge_days()]
        known = self.known_kinds(train_end)
        for event in self.lift_events().itertuples():
            if event.kind in known:
                rows.append((EVENT_PREFIX + event.kind, event.day, -1, event.days, 10.0))
        frame = pd.DataFrame(rows, columns=["holiday", "ds", "lower_window", "upper_window", "prior_scale"])
        frame = frame.drop_duplicates(["holiday", "ds"])
        seen = frame.loc[(frame["ds"] >= train_start - pd.Timedelta(days=1)) & (frame["ds"] < train_end), "holiday"]
        counts = seen.value_counts()
        # A generic window learned from one day mostly learns that day's noise (or its local quirk).
        generic = (CATCH_UP, QUIET_CATCH_UP, BRIDGE, QUIET_HOLIDAY)
        needed = {name: (2 if name in generic else 1) for name in counts.index}
        keep = {name for name, count in counts.items() if count >= needed[name]}
        return frame[frame["holiday"].isin(keep)].reset_index(drop=True)

    def unmodelled_days(self, frame: pd.DataFrame) -> set[pd.Timestamp]:
        """Bridge and catch-up days whose window ``frame`` (a :meth:`prophet_frame`) leaves out, too rare
        yet to learn from. A first bridge day at a third of normal volume would otherwise read as noise
        and drag the trend and the recent level down for the weeks after it: they are left out of the fit."""
        kept = set(frame["holiday"])
        days = set() if BRIDGE in kept else set(self.bridge_days())
        for day, kind in self.catch_up_days().items():
            if kind not in kept:
                days.update({day, day + pd.Timedelta(days=1)})
        return days

    def typed_lifts(self, dates: pd.DatetimeIndex, train_end: pd.Timestamp) -> tuple[np.ndarray, list[str]]:
        """Planner-typed lift per date (fraction) for events of kinds with no history, and notes.

        The lift applies in full on the event's first day and fades linearly to nothing over
        ``decay_days`` (default: the event's own span in days).
        """
        lift = np.zeros(len(dates))
        notes = []
        known = self.known_kinds(train_end)
        future = self.lift_events()
        future = future[(future["day"] >= train_end) & ~future["kind"].isin(known)]
        for event in future.itertuples():
            if pd.isna(event.lift):
                notes.append(f"'{event.name}': no past {event.kind} events to learn from and no lift typed, "
                             "so no effect is forecast. Type a lift (e.g. 0.2 for +20 %) to plan for one.")
                continue
            fade = float(event.decay_days) if not pd.isna(event.decay_days) else float(event.days - 1)
            offset = (dates - event.day).days.to_numpy()
            share = np.where(offset == 0, 1.0, 1.0 - offset / max(fade, 1e-9))
            lift += np.where((offset >= 0) & (share > 0), event.lift * share, 0.0)
        return lift, notes

    def day_zero(self, kinds: set[str] | None = None) -> dict[pd.Timestamp, str]:
        """First day of each lift event (restricted to ``kinds``): the day its intraday shape differs."""
        rows = self.lift_events()
        if kinds is not None:
            rows = rows[rows["kind"].isin(kinds)]
        return dict(zip(rows["day"], rows["kind"]))


def _clean_name(name: str) -> str:
    # An observed (moved) holiday behaves like the holiday itself.
    return name.replace(" (observed)", "").replace(" (Observed)", "").strip()


def years_between(first: dt.date | pd.Timestamp, last: dt.date | pd.Timestamp) -> range:
    """Calendar years from ``first`` to ``last`` inclusive, plus one either side for windows at the edges."""
    return range(pd.Timestamp(first).year - 1, pd.Timestamp(last).year + 2)
