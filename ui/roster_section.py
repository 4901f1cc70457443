"""Schedule page, roster part: build a roster from a shift plan, see it per site, check fairness, replay it.

The Schedule page calls :func:`render_roster` with a plan directory, a :class:`~scheduling.roster_plan.Plan`
or a built :class:`~scheduling.roster.Roster`; with a forecast and the queue configs it also offers the
simulation replay. Figures are pure functions of frames (:func:`gantt`, :func:`replay_figure`); the
Streamlit code only lays out widgets. Text that comes from user files (agent ids, names, queues, reasons)
goes into tables or plain text, never into Markdown or HTML.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from forecasting.safe_csv import to_safe_csv
from forecasting.validation import InputError
from scheduling.agents import load_agents
from scheduling.export import calendar_zip, coverage_csv, roster_csv, roster_table, site_csvs, unoffered_csv
from scheduling.roster import Roster, build_roster
from scheduling.roster_options import RosterOptions
from scheduling.roster_plan import Plan, read_plan
from scheduling.simulation import ReplayResult, replay
from ui.charts import LEGEND_ABOVE, QUEUE_COLOURS

SEGMENT_COLOURS = {"break": "#bdbdbd", "overtime": "#d62728"}


# ----------------------------------------------------------------------------------------------
# figures (pure)
# ----------------------------------------------------------------------------------------------


def gantt_segments(shifts: pd.DataFrame) -> pd.DataFrame:
    """Rostered shifts cut into work, break and overtime pieces in site-local wall time (naive, for an
    axis that reads like the site's clock): ``label, queue, kind, start, end, detail``."""
    rows = []
    for record in shifts[shifts["agent_id"].notna()].itertuples():
        zone = record.timezone
        named = isinstance(record.name, str) and record.name
        label = f"{record.name} ({record.agent_id})" if named else record.agent_id
        local = lambda t: t.tz_convert(zone).tz_localize(None)  # noqa: E731
        cuts = [(record.work_start, record.start_utc, "overtime"), (record.end_utc, record.work_end, "overtime")]
        cursor = record.start_utc
        for begin, minutes, paid in sorted(record.breaks):
            cuts.append((cursor, begin, record.queue))
            cuts.append((begin, begin + pd.Timedelta(minutes=minutes), "break"))
            cursor = begin + pd.Timedelta(minutes=minutes)
        cuts.append((cursor, record.end_utc, record.queue))
        detail = (f"{record.queue} · {record.template} · {local(record.work_start):%a %H:%M}–"
                  f"{local(record.work_end):%H:%M} ({zone})")
        for begin, end, kind in cuts:
            if end > begin:
                rows.append({"label": label, "queue": record.queue, "kind": kind, "start": local(begin),
                             "end": local(end), "detail": detail})
    return pd.DataFrame(rows, columns=["label", "queue", "kind", "start", "end", "detail"])


def gantt(shifts: pd.DataFrame, title: str = "") -> go.Figure:
    """A timeline per agent in site-local time: work coloured by queue, breaks grey, overtime red."""
    segments = gantt_segments(shifts)
    queues = sorted(segments.loc[~segments["kind"].isin(SEGMENT_COLOURS), "kind"].unique())
    colours = {q: QUEUE_COLOURS[i % len(QUEUE_COLOURS)] for i, q in enumerate(queues)} | SEGMENT_COLOURS
    fig = px.timeline(segments, x_start="start", x_end="end", y="label", color="kind", color_discrete_map=colours,
                      hover_name="label", hover_data={"detail": True, "kind": False, "label": False},
                      labels={"kind": "", "label": ""})
    fig.update_yaxes(autorange="reversed", title="")
    fig.update_xaxes(title="local time")
    fig.update_layout(title=title, height=max(300, 22 * segments["label"].nunique() + 120), margin={"t": 40},
                      legend=LEGEND_ABOVE)
    return fig


def replay_figure(intervals: pd.DataFrame, queue: str, measure: str = "service_level") -> go.Figure:
    """Realised ``measure`` per interval with its band across runs, against the plan's expected value."""
    part = intervals[intervals["queue"] == queue]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=part["ds"], y=part[f"{measure}_high"], line={"width": 0}, showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=part["ds"], y=part[f"{measure}_low"], line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(31,119,180,0.2)", name="band of runs"))
    fig.add_trace(go.Scatter(x=part["ds"], y=part[measure], name="realised (simulation)", line={"color": "#1f77b4"}))
    fig.add_trace(go.Scatter(x=part["ds"], y=part[f"expected_{measure}"], name="expected (Erlang, plan)",
                             line={"color": "#ff7f0e", "dash": "dash"}))
    fig.update_layout(hovermode="x unified", margin={"t": 30}, yaxis_title=measure.replace("_", " "),
                      xaxis_title="interval (UTC)")
    return fig


# ----------------------------------------------------------------------------------------------
# the section
# ----------------------------------------------------------------------------------------------


def render_roster(source: str | Path | Plan | Roster, *, forecast: pd.DataFrame | None = None,
                  queues: dict | None = None, key: str = "roster") -> Roster | None:
    """Draw the roster part of the Schedule page and return the roster shown (None until one is built).

    ``source``: a plan directory, a plan, or a built roster. ``forecast`` and ``queues`` (configs by
    queue name) enable the simulation replay. Widget keys start with ``key``.
    """
    roster = source if isinstance(source, Roster) else _built(source, key)
    if roster is None:
        return None
    _summary(roster)
    site = st.selectbox("Site", sorted(roster.shifts["site"].unique()), key=f"{key}_site")
    own = roster.shifts[roster.shifts["site"] == site]
    agents = sorted(own["agent_id"].dropna().unique())
    queues_here = sorted(own["queue"].unique())
    days = sorted(own["date_local"].unique())
    left, middle, right = st.columns(3)
    pick_agents = left.multiselect("Agents", agents, key=f"{key}_agents", placeholder="all agents")
    pick_queues = middle.multiselect("Queues", queues_here, key=f"{key}_queues", placeholder="all queues")
    pick_days = right.multiselect("Days", days, key=f"{key}_days", placeholder="all days")
    shown = own[own["agent_id"].notna()]
    if pick_agents:
        shown = shown[shown["agent_id"].isin(pick_agents)]
    if pick_queues:
        shown = shown[shown["queue"].isin(pick_queues)]
    if pick_days:
        shown = shown[shown["date_local"].isin(pick_days)]
    if shown.empty:
        st.info("No rostered shifts match the filters.")
    else:
        st.plotly_chart(gantt(shown, f"{site} roster, local time ({shown['timezone'].iloc[0]})"),
                        width="stretch", key=f"{key}_gantt")
    _fairness(roster, site, key)
    if len(roster.open_shifts):
        st.subheader("Open shifts and why")
        st.dataframe(roster.open_shifts[roster.open_shifts["site"] == site], hide_index=True, width="stretch",
                     key=f"{key}_open")
    unoffered = roster.unoffered_overtime[roster.unoffered_overtime["site"] == site]
    if len(unoffered):
        st.subheader("Overtime not offered")
        st.caption("These overtime blocks of the plan are not offered: no one could work their shift with them "
                   "under the rules, so the shift is staffed without them rather than left open.")
        st.dataframe(unoffered, hide_index=True, width="stretch", key=f"{key}_unoffered")
    if forecast is not None and queues:
        _simulation(roster, forecast, queues, key)
    _downloads(roster, site, key)
    return roster


def _built(source: str | Path | Plan, key: str) -> Roster | None:
    """The session's roster for this plan, built on request (agents file optional)."""
    try:
        plan = source if isinstance(source, Plan) else read_plan(source)
    except InputError as err:
        st.error("The shift plan could not be read.")
        st.text(str(err))
        return None
    upload = st.file_uploader("Agents file (optional: without it, anonymous agents per site)", type=["csv"],
                              key=f"{key}_agents_file")
    with st.expander("Labour rules"):
        rest = st.number_input("Least rest between shifts (hours)", 0.0, 24.0, 11.0, 0.5, key=f"{key}_rest")
        run = st.number_input("Most working days in a row", 1, 14, 6, key=f"{key}_run")
    signature = (getattr(plan, "source", ""), len(plan.shifts), upload.file_id if upload else None, rest, run)
    if st.button("Build roster", type="primary", key=f"{key}_build"):
        try:
            agents = load_agents(upload.getvalue(), plan.sites, name=upload.name) if upload else None
        except InputError as err:
            st.error("The agents file could not be used.")
            st.text(str(err))
            return None
        bar = st.progress(0.0, text="Rostering…")
        roster = build_roster(plan, agents, RosterOptions(rest_hours=rest, max_consecutive_days=int(run)),
                              progress=lambda message, done: bar.progress(min(done, 1.0), text=message))
        bar.empty()
        st.session_state[key] = (signature, roster)
    stored = st.session_state.get(key)
    return stored[1] if stored and stored[0] == signature else None


def _summary(roster: Roster) -> None:
    rostered = roster.shifts["agent_id"].notna()
    cols = st.columns(5)
    cols[0].metric("Shifts rostered", f"{int(rostered.sum())} of {len(rostered)}")
    cols[1].metric("Open shifts", int((~rostered).sum()))
    cols[2].metric("Overtime blocks not offered", len(roster.unoffered_overtime))
    cols[3].metric("Agents with shifts", int(roster.assigned["agent_id"].nunique()))
    cols[4].metric("Preferences honoured", "-" if roster.satisfaction is None else f"{roster.satisfaction:.0%}")
    messages = list(roster.warnings) + [str(p) for p in roster.problems]
    if messages:
        st.warning("Some of the plan could not be rostered, or some agents were left out: see the notes.")
        st.dataframe(pd.DataFrame({"note": messages}), hide_index=True, width="stretch")


def _fairness(roster: Roster, site: str, key: str) -> None:
    st.subheader("Fairness")
    spread = roster.spread[roster.spread["site"] == site].drop(columns="site")
    st.dataframe(spread, hide_index=True, width="content",
                 column_config={"spread": st.column_config.NumberColumn("spread (max - min)")})
    table = roster.fairness[roster.fairness["site"] == site].drop(columns="site")
    st.dataframe(table, hide_index=True, width="stretch", key=f"{key}_fairness",
                 column_config={"satisfaction": st.column_config.ProgressColumn("preferences honoured",
                                                                                min_value=0.0, max_value=1.0)})


def _simulation(roster: Roster, forecast: pd.DataFrame, queues: dict, key: str) -> None:
    st.subheader("Simulation: the roster against random contacts")
    left, middle, right = st.columns(3)
    runs = left.slider("Runs", 5, 100, 20, key=f"{key}_runs")
    uncertainty = middle.checkbox("Forecast uncertainty", key=f"{key}_uncertainty",
                                  help="Draw each day's volume from the forecast's band instead of its mean.")
    lognormal = right.checkbox("Lognormal handle times", key=f"{key}_lognormal",
                               help="Right-skewed handle times (coefficient of variation 0.8) instead of exponential.")
    if st.button("Run simulation", key=f"{key}_simulate"):
        try:
            with st.spinner("Simulating…"):
                result = replay(roster.shifts, roster.plan.horizon, forecast, queues, replications=runs,
                                uncertainty=uncertainty, handle_cv=0.8 if lognormal else None)
        except InputError as err:
            st.error("The simulation could not run.")
            st.text(str(err))
            return
        st.session_state[f"{key}_replay"] = (id(roster), result)
    stored = st.session_state.get(f"{key}_replay")
    if not stored or stored[0] != id(roster):
        return
    result: ReplayResult = stored[1]
    queue = st.selectbox("Queue", sorted(result.intervals["queue"].unique()), key=f"{key}_sim_queue")
    measure = st.radio("Measure", ["service_level", "asa", "abandon_rate", "occupancy"], horizontal=True,
                       key=f"{key}_measure", format_func=lambda m: m.replace("_", " "))
    st.plotly_chart(replay_figure(result.intervals, queue, measure), width="stretch", key=f"{key}_sim_chart")
    st.caption(f"{result.replications} runs; the band holds the middle {result.band:.0%} of them.")
    st.dataframe(result.daily[result.daily["queue"] == queue], hide_index=True, width="stretch")


def _downloads(roster: Roster, site: str, key: str) -> None:
    st.subheader("Downloads")
    bom = st.checkbox("For Excel (UTF-8 with byte-order mark)", key=f"{key}_bom")
    table = roster_table(roster)
    per_site = site_csvs(table, bom=bom)
    name = next((n for n in per_site if n == f"roster_{site}.csv"), next(iter(per_site), None))
    cols = st.columns(6)
    cols[0].download_button("Roster, all sites", roster_csv(table, bom=bom), "roster.csv", "text/csv",
                            key=f"{key}_dl_all")
    if name:
        cols[1].download_button(f"Roster, {site}", per_site[name], name, "text/csv", key=f"{key}_dl_site")
    cols[2].download_button("Calendars (.ics, zip)", calendar_zip(table), "calendars.zip", "application/zip",
                            key=f"{key}_dl_ics")
    cols[3].download_button("Coverage", coverage_csv(roster, bom=bom), "coverage.csv", "text/csv",
                            key=f"{key}_dl_cov")
    cols[4].download_button("Open shifts", to_safe_csv(roster.open_shifts.astype({"date_local": str}), bom=bom),
                            "open_shifts.csv", "text/csv", key=f"{key}_dl_open")
    cols[5].download_button("Overtime not offered", unoffered_csv(roster, bom=bom), "overtime_not_offered.csv",
                            "text/csv", key=f"{key}_dl_unoffered")
