"""Staffing page: targets per queue -> required agents per interval, their cost, and the CSV.

Forecast sources, in order: the Forecast page's ``st.session_state["forecast"]``, an uploaded
forecast CSV, else a recent-weeks-average forecast of the bundled sample history.
"""
from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from forecasting.baselines import recent_weeks_average
from forecasting.queues import QueueConfig
from forecasting.safe_csv import to_safe_csv
from forecasting.validation import InputError
from scheduling.requirements import apply_targets, carried_backlog, read_forecast, requirements, targets_frame, totals
from scheduling.shrinkage import load_shrinkage
from ui import state
from ui.charts import LEGEND_ABOVE


TARGET_LABELS = {
    "queue": st.column_config.TextColumn("Queue"),
    "channel": st.column_config.TextColumn("Channel"),
    "target_sl": st.column_config.NumberColumn("Service level target", min_value=0.01, max_value=1.0, format="%.2f",
                                               help="Share of contacts answered within the answer time (0.8 = 80%)."),
    "answer_seconds": st.column_config.NumberColumn("Answer within (s)", min_value=1,
                                                    help="The 'Y' of 'X% in Y seconds'. Email: 86400 = 24 hours."),
    "target_asa_seconds": st.column_config.NumberColumn("Average speed of answer target (s)", min_value=1,
                                                        help="Optional: mean wait of answered contacts."),
    "max_occupancy": st.column_config.NumberColumn("Occupancy cap", min_value=0.01, max_value=1.0, format="%.2f",
                                                   help="Largest share of logged-in time agents spend handling."),
    "max_abandon": st.column_config.NumberColumn("Abandonment cap", min_value=0.001, max_value=1.0, format="%.3f",
                                                 help="Largest share of callers who hang up (needs a patience)."),
    "concurrency": st.column_config.NumberColumn("Chats at once", min_value=1.0,
                                                 help="Chats one agent handles at the same time."),
    "patience_seconds": st.column_config.NumberColumn("Caller patience (s)", min_value=1,
                                                      help="Mean time a caller waits before hanging up. Set it and "
                                                           "staffing uses Erlang A (with abandonment) instead of C."),
}
TOTAL_LABELS = {"agent_hours": "Agent hours on line", "scheduled_hours": "Scheduled hours", "fte": "FTE",
                "fte_with_configured_targets": "FTE at configured targets", "change_fte": "Change (FTE)"}


@st.cache_data(show_spinner="Building a forecast from the history…")
def recent_average_forecast(history: pd.DataFrame, zones: dict[str, str], weeks: int) -> pd.DataFrame:
    start = history["ds"].max().floor("D") + pd.Timedelta(days=1)
    return recent_weeks_average(history, start, 7 * weeks, zones=zones)


@st.cache_data(show_spinner="Computing requirements…")
def compute(forecast: pd.DataFrame, configs: str, shrinkage: pd.DataFrame, quantile: float | None,
            breaks_placed: bool) -> pd.DataFrame:
    queues = {q: QueueConfig(**c) for q, c in json.loads(configs).items()}
    return requirements(forecast, queues, load_shrinkage(shrinkage), planning_quantile=quantile,
                        breaks_placed_by_optimiser=breaks_placed)


def configs_key(queues: dict[str, QueueConfig]) -> str:
    return json.dumps({q: c.model_dump() for q, c in queues.items()}, sort_keys=True)


def heatmap(result: pd.DataFrame, config: QueueConfig) -> go.Figure:
    local = result["ds"].dt.tz_convert(config.timezone)
    table = result.assign(day=local.dt.strftime("%a %d %b"), order=local.dt.date, time=local.dt.strftime("%H:%M"))
    grid = table.pivot_table(index=["order", "day"], columns="time", values="agents", aggfunc="max")
    figure = go.Figure(go.Heatmap(z=grid.to_numpy(), x=list(grid.columns), y=[d for _, d in grid.index],
                                  colorscale="Blues", colorbar={"title": "agents"},
                                  hovertemplate="%{y} %{x}<br>%{z} agents<extra></extra>"))
    figure.update_layout(height=max(320, 18 * len(grid)), yaxis={"autorange": "reversed"},
                         xaxis_title=f"local time ({config.timezone})", margin={"t": 30})
    return figure


def required_vs_forecast(result: pd.DataFrame, config: QueueConfig) -> go.Figure:
    local = result["ds"].dt.tz_convert(config.timezone)
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Scatter(x=local, y=result["calls"], name="forecast contacts", line={"color": "#999"}))
    figure.add_trace(go.Scatter(x=local, y=result["agents"], name="agents on line", line={"shape": "hv"}),
                     secondary_y=True)
    figure.add_trace(go.Scatter(x=local, y=result["scheduled"], name="scheduled", line={"shape": "hv", "dash": "dot"}),
                     secondary_y=True)
    figure.update_yaxes(title_text="contacts per interval", secondary_y=False)
    # Round agent ticks of their own (a synced grid would label them 10.7, 21.3, ...); the grid stays the left axis's.
    figure.update_yaxes(title_text="agents", secondary_y=True, tickmode="auto", showgrid=False)
    figure.update_layout(height=380, margin={"t": 40}, legend=LEGEND_ABOVE)
    return figure


st.title("Staffing")
configured = state.queues()

with st.sidebar:
    quantile_label = st.selectbox("Staff to", ["forecast (yhat)", "60th percentile", "75th percentile",
                                               "90th percentile"], key="staffing_quantile")
    quantile = {"forecast (yhat)": None, "60th percentile": 0.6, "75th percentile": 0.75,
                "90th percentile": 0.9}[quantile_label]
    breaks_placed = st.checkbox("Shift optimiser places breaks", value=True, key="staffing_breaks",
                                help="When on, break shrinkage is left to the optimiser and not added here.")
    hours_per_fte = st.number_input("Paid hours per FTE per week", min_value=1.0, max_value=60.0, value=37.5,
                                    step=0.5, key="staffing_fte_hours")

forecast = st.session_state.get("forecast")
if forecast is not None:
    st.caption("Forecast: from the Forecast page.")
else:
    upload = st.file_uploader("Forecast CSV (queue, ds, yhat, yhat_lower, yhat_upper, aht; ds with UTC offset)",
                              type="csv", key="staffing_upload")
    try:
        if upload is not None:
            forecast = read_forecast(upload.getvalue(), name=upload.name)
            st.caption(f"Forecast: {upload.name}.")
        else:
            loaded = state.history()
            usable = set(loaded.frame["queue"]) <= set(configured)
            history = (loaded if usable else state.sample()[0]).frame
            weeks = st.slider("Horizon (weeks)", 1, 6, 2, key="staffing_weeks")
            forecast = recent_average_forecast(history, {q: c.timezone for q, c in configured.items()}, weeks)
            st.caption(f"Forecast: the average of the last 4 weeks of {loaded.source_name if usable else 'the sample'} "
                       "history (run the Forecast page for a Prophet forecast).")
    except InputError as err:
        st.error(str(err))
        st.stop()

st.subheader("Targets per queue")
edited = st.data_editor(targets_frame(configured), key="staffing_targets", hide_index=True,
                        disabled=["queue", "channel"], width="stretch", column_config=TARGET_LABELS)
with st.expander("Shrinkage by category (percent of paid time)"):
    shrinkage_table = st.data_editor(load_shrinkage().to_frame(), key="staffing_shrinkage", hide_index=True,
                                     num_rows="dynamic", width="stretch")

try:
    queues = apply_targets(configured, edited)
    shrinkage_frame = shrinkage_table.astype(str)
    result = compute(forecast, configs_key(queues), shrinkage_frame, quantile, breaks_placed)
    baseline = compute(forecast, configs_key(configured), shrinkage_frame, quantile, breaks_placed)
except InputError as err:
    st.error(str(err))
    st.stop()
st.session_state["requirements"] = result
st.session_state["staffed_forecast"] = forecast
st.session_state["staffed_queues"] = queues

summary = totals(result, hours_per_fte).set_index("queue")
before = totals(baseline, hours_per_fte).set_index("queue")
summary["fte_with_configured_targets"] = before["fte"]
summary["change_fte"] = summary["fte"] - before["fte"]
total_fte, change = float(summary["fte"].sum()), float(summary["change_fte"].sum())
left, middle, right = st.columns(3)
left.metric("Agent hours on line", f"{summary['agent_hours'].sum():,.0f}")
middle.metric("Scheduled hours", f"{summary['scheduled_hours'].sum():,.0f}")
right.metric("FTE", f"{total_fte:,.1f}", delta=f"{change:+.1f} vs configured targets" if abs(change) > 0.05 else None,
             delta_color="inverse")
st.dataframe(summary.round(1).rename(columns=TOTAL_LABELS).rename_axis("Queue"), width="stretch")
for queue, items in carried_backlog(result).items():
    if items > 0.005:
        st.info(f"{queue}: {items:.1f} items still wait at the end of the horizon; they are carried into the next "
                "plan, not lost.")

queue = st.selectbox("Queue", [q for q in configured if q in set(result["queue"])], key="staffing_queue")
part = result[result["queue"] == queue]
st.subheader("Required agents by day and time")
st.plotly_chart(heatmap(part, queues[queue]), width="stretch")
st.subheader("Required agents against the forecast")
st.plotly_chart(required_vs_forecast(part, queues[queue]), width="stretch")

st.download_button("Download requirements CSV", to_safe_csv(result), file_name="requirements.csv",
                   mime="text/csv", key="staffing_download")
