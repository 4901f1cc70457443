"""Roll interval history up to the views planners read: local days and weekday-by-hour grids."""
from __future__ import annotations

import pandas as pd


def local_time(frame: pd.DataFrame, zones: dict[str, str], default_zone: str = "UTC") -> pd.Series:
    """Naive local wall time of each row's ``ds`` in its queue's time zone."""
    out = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for queue, rows in frame.groupby("queue").groups.items():
        zone = zones.get(queue, default_zone)
        out.loc[rows] = frame.loc[rows, "ds"].dt.tz_convert(zone).dt.tz_localize(None).astype("datetime64[ns]")
    return out


def daily_totals(frame: pd.DataFrame, zones: dict[str, str], default_zone: str = "UTC") -> pd.DataFrame:
    """``queue, date, y, aht``: contacts per local calendar day and the volume-weighted AHT (seconds)."""
    local = local_time(frame, zones, default_zone)
    work = frame.assign(date=local.dt.normalize(), handled=frame["y"] * frame.get("aht", float("nan")))
    daily = work.groupby(["queue", "date"], as_index=False).agg(y=("y", "sum"), handled=("handled", "sum"))
    daily["aht"] = daily["handled"] / daily["y"].where(daily["y"] > 0)
    return daily.drop(columns="handled")


def weekday_hour_means(frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    """Mean contacts per local hour, weekday (rows, Monday first) by hour of day (columns 0..23).

    Each hour is averaged over the weeks it appears in, so a queue's closed hours show as empty.
    """
    local = frame["ds"].dt.tz_convert(zone).dt.tz_localize(None)
    hourly = frame.assign(hour_start=local.dt.floor("h")).groupby("hour_start")["y"].sum()
    grid = pd.DataFrame({"weekday": hourly.index.day_name(), "order": hourly.index.day_of_week,
                         "hour": hourly.index.hour, "y": hourly.to_numpy()})
    table = grid.groupby(["order", "weekday", "hour"])["y"].mean().unstack("hour")
    table = table.reindex(columns=range(24))
    table.index = table.index.get_level_values("weekday")
    return table
