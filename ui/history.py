"""History page: load the sample or a file, see what the validation found, and look at the shape."""
from __future__ import annotations

import zoneinfo

import pandas as pd
import streamlit as st

from forecasting.aggregate import daily_totals, weekday_hour_means
from forecasting.calendar import country_holidays, load_events
from forecasting.history import ColumnMap, History, load_history, read_columns, summarise
from forecasting.queues import load_queues
from forecasting.validation import InputError
from ui import charts, state

AUTO = "(detect)"
COMMON_ZONES = ["Europe/London", "Europe/Dublin", "America/New_York", "America/Chicago", "America/Los_Angeles",
                "Asia/Manila", "Asia/Kolkata", "Australia/Sydney", "UTC"]


@st.cache_data(show_spinner="Reading and validating the file...", max_entries=4)
def load_upload(data: bytes, name: str, tz: str | None, columns: tuple, interval: int | None,
                queues_data: bytes | None, queues_name: str | None = None) -> History:
    queues = load_queues(queues_data, name=queues_name) if queues_data else None
    return load_history(data, name=name, tz=tz, columns=ColumnMap(*columns), interval_minutes=interval,
                        queues=queues)


def upload_form() -> tuple[History, pd.DataFrame] | None:
    upload = st.file_uploader("Contact history: one row per contact, or counts per interval",
                              type=["csv", "txt", "tsv", "xlsx", "gz"])
    if upload is None:
        st.info("Upload a CSV or Excel export from your telephony or ticketing system, or use the bundled sample.")
        return None
    data = upload.getvalue()
    try:
        found = read_columns(data, name=upload.name)
    except InputError as err:
        st.error(str(err))
        return None
    with st.expander("How to read the file", expanded=True):
        left, right = st.columns(2)
        zone = left.selectbox("Time zone of timestamps without an offset", ["(none)"] + COMMON_ZONES + ["other..."],
                              help="Timestamps that carry an offset (e.g. +01:00) are read as they are.")
        if zone == "other...":
            zone = left.text_input("IANA time zone", placeholder="e.g. Europe/Berlin").strip() or "(none)"
        interval = right.selectbox("Interval length", ["detect", 15, 30, 60, "daily"],
                                   help="Used to count one-row-per-contact files, or to check pre-counted ones.")
        st.caption("Columns (leave on '(detect)' to match common names):")
        roles = ["time", "count", "queue", "channel", "handle"]
        labels = {"time": "Timestamp / interval start", "count": "Contacts (blank if one row per contact)",
                  "queue": "Queue", "channel": "Channel", "handle": "Handle or AHT seconds"}
        picks = st.columns(len(roles))
        mapping = tuple(None if (v := col.selectbox(labels[r], [AUTO] + found, key=f"map_{r}")) == AUTO else v
                        for col, r in zip(picks, roles))
        queues_file = st.file_uploader("Queue settings (optional, like data/queues.csv)", type=["csv"])
        events_file = st.file_uploader("Events (optional, like data/events.csv)", type=["csv"])
    if zone != "(none)":
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            st.error(f"'{zone}' is not an IANA time zone. Fix: pick one from the list or type e.g. Europe/Berlin.")
            return None
    interval_minutes = {"detect": None, "daily": 1440}.get(interval, interval)
    try:
        history = load_upload(data, upload.name, None if zone == "(none)" else zone, mapping, interval_minutes,
                              queues_file.getvalue() if queues_file else None,
                              queues_file.name if queues_file else None)
        events = (load_events(events_file.getvalue(), name=events_file.name,
                              known_queues=sorted(history.frame["queue"].unique()))
                  if events_file else load_events(pd.DataFrame(columns=["name", "kind", "start"])))
    except InputError as err:
        st.error(str(err))
        return None
    if queues_file:
        st.session_state["queues"] = load_queues(queues_file.getvalue(), name=queues_file.name)
    return history, events


def summary_table(history: History, zones: dict[str, str]) -> pd.DataFrame:
    """The per-queue summary as a planner reads it: local dates and times, rounded numbers."""
    summary = summarise(history)
    local = lambda col: [pd.Timestamp(t).tz_convert(zones.get(q, history.timezone))  # noqa: E731
                         for q, t in zip(summary["queue"], summary[col])]
    return pd.DataFrame({
        "Queue": summary["queue"],
        "Time zone": [zones.get(q, history.timezone) for q in summary["queue"]],
        "First day": [t.strftime("%Y-%m-%d") for t in local("first")],
        "Last day": [t.strftime("%Y-%m-%d") for t in local("last")],
        "Days": summary["days"],
        "Contacts": summary["contacts"],
        "Mean per day": summary["mean_daily"].round(0),
        "Busiest interval": summary["peak_volume"],
        "Busiest at (local)": [t.strftime("%a %Y-%m-%d %H:%M") for t in local("peak_interval")],
        "AHT (s)": summary["aht"].round(0),
        "Open intervals with no contacts": (summary["zero_share"] * 100).round(1),
    })


def show(history: History, events: pd.DataFrame) -> None:
    configs = state.queues()
    zones = {q: c.timezone for q, c in configs.items()}
    for note in history.notes:
        st.info(note)
    if not history.gaps.empty:
        st.warning(f"{len(history.gaps)} stretch(es) with no data where the queue was open. They are left out, "
                   "not counted as zero: check the export covers those days.")
        st.dataframe(history.gaps, hide_index=True)

    frame = history.frame
    table = summary_table(history, zones)
    total = float(table["Contacts"].sum())
    handled = (frame["y"] * frame["aht"]).sum()
    peak = table.loc[table["Busiest interval"].idxmax()]
    kpis = st.columns(4)
    kpis[0].metric("Contacts", f"{total:,.0f}", help="All contacts in the file, every queue.")
    kpis[1].metric("Queues", f"{len(table)}")
    kpis[2].metric("Busiest interval", f"{peak['Busiest interval']:,.0f}",
                   help=f"Most contacts in one {history.interval_minutes}-minute interval: {peak['Queue']}, "
                        f"{peak['Busiest at (local)']} local time.")
    kpis[3].metric("Average handle time", f"{handled / total:,.0f} s" if total and handled == handled else "n/a",
                   help="Volume-weighted mean handle time (AHT) in seconds.")
    st.caption(f"{history.source_name}: {history.source_kind}, {history.interval_minutes}-minute intervals "
               f"from {frame['ds'].min():%Y-%m-%d} to {frame['ds'].max():%Y-%m-%d} (UTC).")
    st.dataframe(table, hide_index=True, column_config={
        "Contacts": st.column_config.NumberColumn(format="localized"),
        "Mean per day": st.column_config.NumberColumn(format="localized"),
        "Open intervals with no contacts": st.column_config.NumberColumn(format="%.1f %%"),
    })

    queues = sorted(frame["queue"].unique())
    left, right = st.columns([4, 1])
    chosen = left.multiselect("Queues", queues, default=queues)
    unit = right.radio("Totals per", ["day", "week"], horizontal=True)
    daily = daily_totals(frame[frame["queue"].isin(chosen)], zones, history.timezone)
    years = range(daily["date"].min().year, daily["date"].max().year + 1) if not daily.empty else range(0)
    marks = [{"queue": q, "date": pd.Timestamp(d), "name": n} for q in chosen if q in configs
             for d, n in country_holidays(configs[q].country, years).items()]
    holidays = pd.DataFrame(marks, columns=["queue", "date", "name"])
    holidays = holidays[holidays["date"].between(daily["date"].min(), daily["date"].max())] if len(daily) else holidays
    shown = events[[not qs or any(q in chosen for q in qs) for qs in events["queues"]]] if len(events) else events
    if unit == "week":
        daily = (daily.assign(date=daily["date"] - pd.to_timedelta(daily["date"].dt.day_of_week, unit="D"))
                 .groupby(["queue", "date"], as_index=False)["y"].sum())
        holidays = holidays.iloc[0:0]
    st.subheader(f"Volume per {unit}")
    st.plotly_chart(charts.daily_volume(daily, holidays, shown, unit=unit), width="stretch")

    st.subheader("When contacts arrive")
    queue = st.selectbox("Queue for the weekday x hour view", queues)
    zone = zones.get(queue, history.timezone)
    heat = weekday_hour_means(frame[frame["queue"] == queue], zone)
    st.plotly_chart(charts.weekday_hour_heatmap(heat, f"{queue}: mean contacts per hour ({zone})"),
                    width="stretch")


st.title("Contact history")
choice = st.radio("Data", ["Bundled sample", "Upload a file"], horizontal=True,
                  help="The sample is two years of a four-queue contact centre (UK phone and chat, US phone, email).")
if choice == "Bundled sample":
    st.session_state.pop("queues", None)
    loaded = state.sample()
else:
    loaded = upload_form()
if loaded is not None:
    history, events = loaded
    st.session_state["history"] = history
    st.session_state["events"] = events
    show(history, events)
