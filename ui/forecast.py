"""Forecast page: pick queues and settings, edit events, run per-queue fits with progress, read the results.

Thin: widgets -> forecasting library -> plotly. Fits are cached per queue by the digest of that
queue's inputs, so editing one queue's events refits only that queue.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from forecasting.calendar import EVENT_KINDS, load_events
from forecasting.engine import BacktestPlan, QueueTask, backtest_task, combine, forecast_task, make_tasks, run_tasks
from forecasting.events import check_events
from forecasting.intraday import DAILY
from forecasting.models import GRANULARITIES, MAX_HORIZON_DAYS, METHODS, QueueForecast, QueueSettings
from forecasting.safe_csv import to_safe_csv
from forecasting.validation import InputError
from ui import state
from ui.charts import EVENT_COLOURS

CACHE_ENTRIES = 64  # per-queue results kept (digest -> result), shared by sessions


@st.cache_resource
def _store() -> OrderedDict:
    """Digest of a queue's inputs -> its result (forecast or backtest); least recently used dropped first."""
    return OrderedDict()


def _cached_run(fn, tasks: list[QueueTask], *args, label: str) -> dict[str, object]:
    """Run ``fn`` for the tasks whose digest is not cached, in parallel, with a progress bar per queue."""
    store = _store()
    keys = {t.queue: f"{fn.__name__}:{t.digest()}" for t in tasks}
    missing = [t for t in tasks if keys[t.queue] not in store]
    if missing:
        bars = {t.queue: st.progress(0.0, text=f"{t.queue}: {label}...") for t in missing}

        def progress(done: int, total: int, queue: str) -> None:
            bars[queue].progress(1.0, text=f"{queue}: done ({done}/{total})")

        for task, result in zip(missing, run_tasks(fn, missing, *args, progress=progress)):
            store[keys[task.queue]] = result
    for key in keys.values():
        store.move_to_end(key)
    while len(store) > CACHE_ENTRIES:
        store.popitem(last=False)
    return {q: store[k] for q, k in keys.items()}


def _editable(events: pd.DataFrame) -> pd.DataFrame:
    """Events frame -> text columns a planner edits (times local, queues ';'-separated, empty = all)."""
    out = pd.DataFrame({
        "name": events["name"].astype(str), "kind": events["kind"].astype(str),
        "start": pd.to_datetime(events["start"]).dt.strftime("%Y-%m-%d %H:%M"),
        "end": pd.to_datetime(events["end"]).dt.strftime("%Y-%m-%d %H:%M"),
        "queues": [";".join(q) if len(q) else "all" for q in events["queues"]],
        "lift": events["lift"].astype(float), "decay_days": events["decay_days"].astype(float)})
    return out.reset_index(drop=True)


def event_editor(queues: list[str]) -> pd.DataFrame | None:
    """The events table (add, edit, remove rows) plus a quick 'add event' form; None if invalid."""
    events = st.session_state.get("events")
    if events is None:
        events = state.sample()[1]
        st.session_state["events"] = events
    with st.expander("Events: launches, campaigns, holidays, outages", expanded=False):
        st.caption("Times are each queue's local wall clock. Past events are learned from; a future event of a "
                   "kind never seen gets the typed lift (0.2 = +20 % on its first day, fading over decay days).")
        with st.form("add_event", clear_on_submit=True):
            cols = st.columns([3, 2, 2, 1, 3, 1, 1])
            name = cols[0].text_input("Name", placeholder="Launch: new tariff")
            kind = cols[1].selectbox("Kind", EVENT_KINDS)
            start = cols[2].date_input("First day", value=pd.Timestamp.today().normalize() + pd.Timedelta(days=30))
            days = cols[3].number_input("Days", 1, 60, 1)
            chosen = cols[4].multiselect("Queues (none = all)", queues)
            lift = cols[5].number_input("Lift", -0.99, 10.0, 0.0, 0.05, help="0.2 = +20 %; 0 = learn from history")
            decay = cols[6].number_input("Decay days", 0, 60, 0)
            if st.form_submit_button("Add event") and name.strip():
                row = pd.DataFrame([{"name": name.strip(), "kind": kind, "start": str(start),
                                     "end": str(pd.Timestamp(start) + pd.Timedelta(days=int(days) - 1)).split()[0],
                                     "queues": ";".join(chosen) or "all", "lift": lift or "",
                                     "decay_days": decay or ""}])
                try:
                    added = load_events(row, known_queues=queues, name="new event")
                except InputError as err:
                    st.error(str(err))
                else:
                    st.session_state["events"] = pd.concat([events, added], ignore_index=True)
                    events = st.session_state["events"]
        edited = st.data_editor(_editable(events), num_rows="dynamic", hide_index=True, key="events_table",
                                column_config={"kind": st.column_config.SelectboxColumn(options=list(EVENT_KINDS)),
                                               "lift": st.column_config.NumberColumn(format="%.2f")})
    try:
        clean = load_events(edited.astype(object).fillna(""), known_queues=queues, name="events table")
        check_events(clean, queues, label="events table")
    except InputError as err:
        st.error(str(err))
        return None
    return clean


def daily_chart(result: QueueForecast, history_daily: pd.Series, events: pd.DataFrame) -> go.Figure:
    """History and forecast per local day, with the band and event spans."""
    daily = result.daily
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=history_daily.index, y=history_daily.to_numpy(), name="history", line={"color": "#555"}))
    fig.add_trace(go.Scatter(x=np.concatenate([daily["date"], daily["date"][::-1]]),
                             y=np.concatenate([daily["yhat_upper"], daily["yhat_lower"][::-1]]),
                             fill="toself", fillcolor="rgba(31,119,180,0.2)", line={"width": 0}, name="band"))
    fig.add_trace(go.Scatter(x=daily["date"], y=daily["yhat"], name="forecast", line={"color": "#1f77b4"}))
    first = history_daily.index.min() if len(history_daily) else daily["date"].min()
    for event in events.itertuples():
        if event.end >= first and event.start <= daily["date"].max() + pd.Timedelta(days=1):
            fig.add_vrect(x0=event.start.normalize(), x1=event.end.normalize() + pd.Timedelta(days=1),
                          fillcolor=EVENT_COLOURS.get(event.kind, "#888"), opacity=0.15, line_width=0,
                          annotation_text=event.name, annotation_position="top left",
                          annotation={"font_size": 9, "textangle": -90})
    fig.update_layout(yaxis_title="contacts per day", hovermode="x unified", margin={"t": 30})
    return fig


def intraday_chart(result: QueueForecast, day: pd.Timestamp, zone: str) -> go.Figure:
    """One local day's intervals with the band, on the local clock."""
    frame = result.forecast.assign(local=result.forecast["ds"].dt.tz_convert(zone).dt.tz_localize(None))
    frame = frame[frame["local"].dt.normalize() == day]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=frame["local"], y=frame["yhat_upper"], line={"width": 0}, showlegend=False))
    fig.add_trace(go.Scatter(x=frame["local"], y=frame["yhat_lower"], fill="tonexty", line={"width": 0},
                             fillcolor="rgba(31,119,180,0.2)", name="band"))
    fig.add_trace(go.Scatter(x=frame["local"], y=frame["yhat"], name="forecast", line={"color": "#1f77b4",
                                                                                      "shape": "hv"}))
    fig.update_layout(xaxis_title=f"local time ({zone})", yaxis_title="contacts per interval", margin={"t": 30})
    return fig


def components_chart(result: QueueForecast) -> go.Figure:
    """Trend (contacts per day, right axis) and the effects as % of trend."""
    daily = result.daily
    fig = go.Figure()
    for name in ("weekly", "yearly", "holidays", "events", "planned_events"):
        if name in daily and daily[name].abs().max() > 0:
            label = "planned lift (typed)" if name == "planned_events" else name
            fig.add_trace(go.Scatter(x=daily["date"], y=100 * daily[name], name=label))
    fig.add_trace(go.Scatter(x=daily["date"], y=daily["trend"], name="trend (contacts/day)", yaxis="y2",
                             line={"dash": "dot", "color": "#333"}))
    fig.update_layout(yaxis_title="effect, % of trend", yaxis2={"overlaying": "y", "side": "right",
                                                                  "title": "trend"}, margin={"t": 30},
                      hovermode="x unified")
    return fig


def show(results: dict[str, QueueForecast], tasks: dict[str, QueueTask], events: pd.DataFrame) -> None:
    forecast = combine(results)
    st.session_state["forecast"] = forecast
    queue = st.selectbox("Queue to show", list(results))
    result, task = results[queue], tasks[queue]
    zone = task.settings.timezone
    for note in result.notes:
        st.info(note)
    st.caption(f"{queue}: method **{result.method}**, {len(result.forecast):,} intervals, "
               f"{result.daily['yhat'].sum():,.0f} contacts forecast; times in {zone}.")
    history = task.training_history()
    local = history["ds"].dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
    history_daily = history.groupby(local)["y"].sum()
    history_daily = history_daily[history_daily.index >= history_daily.index.max() - pd.Timedelta(weeks=12)]
    shown = events[[not qs or queue in qs for qs in events["queues"]]] if len(events) else events
    st.subheader("Daily view")
    st.plotly_chart(daily_chart(result, history_daily, shown), width="stretch")
    if task.granularity != DAILY:
        st.subheader("Intraday view")
        open_days = result.daily[~result.daily["closed"]]
        days = list((open_days if len(open_days) else result.daily)["date"].dt.date)
        day = st.selectbox("Day", days, format_func=lambda d: f"{d:%a %d %b %Y}")
        st.plotly_chart(intraday_chart(result, pd.Timestamp(day), zone), width="stretch")
    st.subheader("Components")
    st.plotly_chart(components_chart(result), width="stretch")
    st.subheader("Accuracy")
    if len(result.selection):
        st.caption("Backtest over the last three weeks that chose the method (WAPE: lower is better).")
        st.dataframe(result.selection, hide_index=True)
    if st.button("Backtest against the baselines", help="Rolling origin, day-ahead and week-ahead, against "
                 "seasonal naive and the 4-week recent average. Takes a few fits per queue."):
        st.session_state["forecast_backtest"] = True
    if st.session_state.get("forecast_backtest"):
        tables = _cached_run(backtest_task, list(tasks.values()), BacktestPlan(origins=3), label="backtesting")
        st.dataframe(pd.concat([t for t, _ in tables.values()], ignore_index=True), hide_index=True)
    out = forecast.assign(ds=forecast["ds"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    st.download_button("Download the forecast (CSV)", to_safe_csv(out, float_format="%.3f"),
                       file_name="forecast.csv", mime="text/csv")


st.title("Forecast")
if "history" not in st.session_state:
    st.info("No history loaded on the History page: showing the bundled sample.")
history = state.history()
configs = state.queues()
present = set(history.frame["queue"])
all_queues = [q for q in configs if q in present] + sorted(present - set(configs))
left, mid, right = st.columns(3)
picked = left.multiselect("Queues", all_queues, default=all_queues[:1])
horizon = mid.number_input("Horizon (days)", 1, MAX_HORIZON_DAYS, 42)
steps = [g for g, m in GRANULARITIES.items() if m >= history.interval_minutes]
granularity = right.selectbox("Granularity", steps)
left, mid, right = st.columns(3)
method = left.selectbox("Method", ["auto", *METHODS], help="auto: per queue, whichever backtests better")
coverage = mid.slider("Band coverage", 0.5, 0.99, 0.8, 0.01, help="Share of outcomes expected inside the band.")
train_end = right.date_input("Train up to (optional)", value=None,
                             help="Fit on history before this date and forecast from it, to compare with actuals.")
events = event_editor(all_queues)
if events is not None and picked:
    settings = {q: QueueSettings.from_config(c) for q, c in configs.items()}
    frame = history.frame[history.frame["queue"].isin(picked)]
    tasks = {t.queue: t for t in make_tasks(frame, settings, events, interval_minutes=history.interval_minutes,
                                             horizon_days=int(horizon), granularity=GRANULARITIES[granularity],
                                             method=method, coverage=coverage,
                                             train_end=pd.Timestamp(train_end) if train_end else None)}
    if st.button("Run forecast", type="primary"):
        st.session_state["forecast_run"] = True
    if st.session_state.get("forecast_run"):
        try:
            results = _cached_run(forecast_task, list(tasks.values()), label="fitting")
        except InputError as err:
            st.error(str(err))
        else:
            show(results, tasks, events)
