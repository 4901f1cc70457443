"""The plan's tables read from a solved vector: shifts with their break times (:func:`read_shifts`),
overtime blocks to offer (:func:`read_overtime`), tours by days-off pattern (:func:`read_tours`) and
coverage per queue and interval (:func:`read_coverage`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from scheduling.shift_model import ShiftModel, agent_breaks, first_weekday, interval_coverage, slot_counts
from scheduling.shifts import QUANTUM
from scheduling.sites import ShiftTemplate, Site


def _local(times: pd.Series | pd.DatetimeIndex, zone: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(times).tz_convert(zone)


def read_shifts(model: ShiftModel, v: np.ndarray, sites: dict[str, Site],
                templates: dict[str, ShiftTemplate]) -> pd.DataFrame:
    """One row per (site, queue, template, start, break times) with the number of agents.

    Times: ``start_utc``/``end_utc``; ``date_local``, ``start_local``, ``end_local`` in the site's zone;
    ``break_offsets`` minutes after the start (elapsed, so DST-proof) and ``break_starts_local`` wall times.
    """
    cols = model.columns
    breaks = agent_breaks(model, v)
    rows = []
    for j, slots in breaks.items():
        column = cols.loc[j]
        offsets = (slots - column["slot"]) * QUANTUM
        patterns, counts = np.unique(offsets, axis=0, return_counts=True) if offsets.shape[1] else \
            (np.zeros((1, 0), dtype=np.int64), np.array([len(offsets)]))
        for pattern, count in zip(patterns, counts):
            rows.append({"site": column["site"], "queue": column["queue"], "template": column["template"],
                         "date_local": column["date_local"], "start_minute": int(column["start_local"]),
                         "start_utc": column["start_utc"], "length": int(column["length"]), "count": int(count),
                         "break_offsets": tuple(int(p) for p in pattern), "paid_hours": float(column["paid_hours"]),
                         "night_hours": float(column["night_hours"]), "cost": float(column["cost"])})
    columns = ["site", "queue", "template", "date_local", "start_local", "end_local", "start_utc", "end_utc", "count",
               "break_offsets", "break_starts_local", "paid_hours", "night_hours", "cost"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    frame["end_utc"] = frame["start_utc"] + pd.to_timedelta(frame["length"] * QUANTUM, unit="min")
    frame["start_local"] = [f"{m // 60:02d}:{m % 60:02d}" for m in frame["start_minute"]]
    ends, starts_local = [], []
    for row in frame.itertuples():
        zone = sites[row.site].timezone
        ends.append(row.end_utc.tz_convert(zone).strftime("%H:%M"))
        times = _local([row.start_utc + pd.Timedelta(minutes=o) for o in row.break_offsets], zone) \
            if row.break_offsets else []
        starts_local.append(tuple(t.strftime("%H:%M") for t in times))
    frame["end_local"], frame["break_starts_local"] = ends, starts_local
    return frame[columns].sort_values(["site", "queue", "start_utc", "template", "break_offsets"], ignore_index=True)


def read_overtime(model: ShiftModel, v: np.ndarray, sites: dict[str, Site]) -> pd.DataFrame:
    """Overtime blocks to offer: site, queue, side, local date and times, minutes, count, cost if all called."""
    columns = ["site", "queue", "side", "date_local", "start_local", "end_local", "start_utc", "end_utc", "minutes",
               "count", "cost_if_used"]
    ot = model.overtime
    if not len(ot):
        return pd.DataFrame(columns=columns)
    count = np.round(v[ot["var"].to_numpy()]).astype(np.int64)
    used = ot[count > 0].assign(count=count[count > 0])
    if used.empty:
        return pd.DataFrame(columns=columns)
    # Real times next to the shift each block extends, even past the horizon's ends (a cyclic week counts
    # those minutes at its other end).
    start = model.timeline.times(used["first"].to_numpy())
    frame = pd.DataFrame({"site": used["site"].to_numpy(), "queue": used["queue"].to_numpy(),
                          "side": used["side"].to_numpy(), "start_utc": start,
                          "minutes": used["length"].to_numpy() * QUANTUM, "count": used["count"].to_numpy(),
                          "cost_if_used": used["cost"].to_numpy() * used["count"].to_numpy()})
    frame["end_utc"] = frame["start_utc"] + pd.to_timedelta(frame["minutes"], unit="min")
    dates, starts, ends = [], [], []
    for row in frame.itertuples():
        zone = sites[row.site].timezone
        begin, end = row.start_utc.tz_convert(zone), row.end_utc.tz_convert(zone)
        dates.append(begin.date())
        starts.append(begin.strftime("%H:%M"))
        ends.append(end.strftime("%H:%M"))
    frame["date_local"], frame["start_local"], frame["end_local"] = dates, starts, ends
    return frame[columns].sort_values(["site", "start_utc", "queue"], ignore_index=True)


def read_tours(model: ShiftModel, v: np.ndarray) -> pd.DataFrame:
    """Agents per (site, template, week) and days-off pattern: ``pattern`` lists the local weekdays worked
    (``Mon;Tue;Wed;Thu;Fri``), or ``any 4 days`` under an ``any`` rule. Empty without whole weeks."""
    rows = []
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    for tour in model.tours:
        site, template = tour["site"], tour["template"]
        if tour["patterns"] is None:
            rows.append({"site": site, "template": template, "week": tour["week"],
                         "pattern": f"any {tour['days']} days", "count": int(round(float(v[tour["vars"]].sum())))})
            continue
        first = first_weekday(model.columns, site)
        for var, days in zip(tour["vars"], tour["patterns"]):
            count = int(round(float(v[var])))
            if count:
                weekdays = sorted((first + d) % 7 for d in days)
                rows.append({"site": site, "template": template, "week": tour["week"],
                             "pattern": ";".join(names[d] for d in weekdays), "count": count})
    return pd.DataFrame(rows, columns=["site", "template", "week", "pattern", "count"])


def read_coverage(model: ShiftModel, v: np.ndarray) -> pd.DataFrame:
    """Per queue and requirement interval (UTC): required, scheduled (working, not on break), on break,
    overtime, shortfall below ``required``, shortfall below ``required_upper`` after overtime, over-staffing."""
    cover = interval_coverage(model, slot_counts(model, v))
    n = cover["working"].shape[1]
    ds = model.timeline.start + pd.to_timedelta(np.arange(n) * model.interval_minutes, unit="min")
    frames = []
    for i, queue in enumerate(model.queues):
        frames.append(pd.DataFrame({
            "queue": queue, "ds": ds, "required": cover["required"][i], "required_upper": cover["required_upper"][i],
            "scheduled": cover["working"][i], "on_break": cover["on_break"][i], "overtime": cover["overtime"][i],
            "shortfall": cover["short"][i], "upper_shortfall": cover["short_up"][i], "over": cover["over"][i]}))
    return pd.concat(frames, ignore_index=True)
