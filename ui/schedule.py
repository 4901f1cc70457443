"""Schedule page, plan part: sites, shift templates and overtime rules in, an optimised shift plan out.

Requirements, in order: the Staffing page's ``st.session_state["requirements"]``, the sample week, or an
uploaded CSV (``queue, ds, scheduled[, scheduled_upper]``). The sample week is a recent-weeks-average
forecast of the sample history staffed by :mod:`scheduling.requirements`, the upper band at its 90th
percentile.
The solved plan is kept in ``st.session_state["shift_plan"]`` for the roster part of this page.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from forecasting.baselines import recent_weeks_average
from forecasting.safe_csv import to_safe_csv
from forecasting.validation import InputError
from scheduling.optimiser import STATUS_MEANING, ShiftPlan, plan_shifts
from scheduling.plan_export import (coverage_table, overtime_table, shift_plan_table, summary,
                                    tours_table)
from scheduling.plan_options import PlanOptions, Weights
from scheduling.requirements import requirements
from scheduling.roster_plan import plan_from_optimiser
from scheduling.sites import (Requirements, load_overtime, load_requirements, load_sites, load_templates,
                              overtime_frame, sites_frame, templates_frame)
from ui import state
from ui.charts import LEGEND_ABOVE
from ui.roster_section import render_roster

SAMPLE_OVERTIME = state.DATA_DIR / "overtime.csv"
UPPER_QUANTILE = 0.9


@st.cache_data(show_spinner=False)
def sample_forecast() -> pd.DataFrame:
    """The week after the sample history, forecast as the average of its last 4 weeks."""
    queues = state.sample_queues()
    history = state.sample()[0].frame
    start = history["ds"].max().floor("D") + pd.Timedelta(days=1)
    return recent_weeks_average(history, start, 7, zones={q: c.timezone for q, c in queues.items()})


@st.cache_data(show_spinner="Staffing the sample week…")
def sample_requirements() -> pd.DataFrame:
    """A week of ``queue, ds, scheduled, scheduled_upper`` from the sample history."""
    queues = state.sample_queues()
    forecast = sample_forecast()
    base = requirements(forecast, queues)
    upper = requirements(forecast, queues, planning_quantile=UPPER_QUANTILE)
    return base[["queue", "ds", "scheduled"]].assign(scheduled_upper=upper["scheduled"].to_numpy())


@st.cache_data(show_spinner=False)
def sample_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sites = load_sites(state.SAMPLE_SITES)
    return (sites_frame(sites), templates_frame(load_templates(state.SAMPLE_TEMPLATES, sites=sites)),
            overtime_frame(load_overtime(SAMPLE_OVERTIME)))


def requirement_source() -> tuple[pd.DataFrame | bytes | None, str, tuple | None]:
    """(requirements, where they came from, (forecast, queue configs) behind them when known)."""
    staffed = st.session_state.get("requirements")
    choices = (["Staffing page"] if staffed is not None else []) + ["Sample week", "Upload a CSV"]
    choice = st.radio("Requirements", choices, horizontal=True, key="plan_source")
    if choice == "Staffing page":
        return staffed, "the Staffing page", (st.session_state.get("staffed_forecast"),
                                              st.session_state.get("staffed_queues"))
    if choice == "Upload a CSV":
        upload = st.file_uploader("Requirements CSV: queue, ds (UTC), scheduled [, scheduled_upper]", type="csv",
                                  key="plan_upload")
        return (upload.getvalue() if upload is not None else None), (upload.name if upload else ""), None
    return sample_requirements(), "the sample week", (sample_forecast(), state.sample_queues())


def edited_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sites, templates, overtime = sample_tables()
    with st.expander("Sites, shift templates and overtime rules", expanded=False):
        st.caption("Times are each site's local time; costs are per paid hour in one currency. Breaks read "
                   "`MINUTES paid|unpaid @ H:MM-H:MM` (the window of break starts after the shift start).")
        sites = st.data_editor(sites, num_rows="dynamic", key="plan_sites", width="stretch")
        templates = st.data_editor(templates, num_rows="dynamic", key="plan_templates", width="stretch")
        overtime = st.data_editor(overtime, num_rows="dynamic", key="plan_overtime", width="stretch")
    return sites, templates, overtime


def options_sidebar() -> PlanOptions:
    """The solver options; ``time_limit`` is per week planned here (:func:`run` scales it to the horizon)."""
    with st.sidebar:
        st.subheader("Shift optimiser")
        solver = st.selectbox("Solver", ["highs", "cbc"], key="plan_solver")
        time_limit = st.number_input("Time limit per week planned (s)", min_value=5, max_value=1800, value=120,
                                     step=5, key="plan_time_limit",
                                     help="A plan of several weeks gets this much for each week: the model and the "
                                          "time its LP bound takes grow with the weeks (two weeks of the sample "
                                          "sites need about 110 s for the bound alone).")
        gap = st.number_input("Stop at gap (%)", min_value=0.0, max_value=20.0, value=0.5, step=0.1,
                              key="plan_gap") / 100
        cyclic = st.checkbox("Week wraps round (Sunday night covers Monday morning)", value=True, key="plan_cyclic")
        flexible = st.checkbox("Flexible breaks", value=True, key="plan_flexible",
                               help="Off: every break at the middle of its window, for comparison.")
        with st.expander("Penalties (per agent-hour)"):
            defaults = Weights()
            weights = Weights(
                shortfall=st.number_input("Below requirement", value=defaults.shortfall, key="plan_w_short"),
                upper_shortfall=st.number_input("Below upper band", value=defaults.upper_shortfall, key="plan_w_up"),
                overstaffing=st.number_input("Over-staffing", value=defaults.overstaffing, key="plan_w_over"),
                overtime_use=st.number_input("Expected overtime use (share)", min_value=0.0, max_value=1.0,
                                             value=defaults.overtime_use, key="plan_w_ot"))
    return PlanOptions(solver=solver, time_limit=float(time_limit), gap=gap, cyclic=cyclic, flexible_breaks=flexible,
                       weights=weights)


def validated(frame: pd.DataFrame | bytes, label: str, tables: tuple) -> tuple | None:
    """(requirements, sites, templates, overtime rules) checked against each other, or None after showing
    the error: checked before the planner presses Plan, so a bad row is named before any wait."""
    try:
        sites = load_sites(tables[0], name="sites table")
        templates = load_templates(tables[1], name="shift templates table", sites=sites)
        overtime = load_overtime(tables[2], name="overtime table", sites=sites)
        required = load_requirements(frame, sites, name=label)
    except InputError as err:
        st.error(str(err))
        return None
    return required, sites, templates, overtime


def for_horizon(options: PlanOptions, required: Requirements) -> tuple[PlanOptions, int]:
    """The options with the per-week time limit (s) scaled to the weeks planned, and those weeks."""
    # Rounded, not ceiled: a week of queues in several time zones spans 8 UTC days and is planned as one.
    weeks = max(1, round(required.days / 7))
    return replace(options, time_limit=options.time_limit * weeks), weeks


def run(inputs: tuple, options: PlanOptions) -> ShiftPlan:
    bar = st.progress(0.0, text="Building the model…")
    plan = plan_shifts(*inputs, options,
                       progress=lambda message, done: bar.progress(min(max(done, 0.0), 1.0), text=message))
    bar.empty()
    return plan


def coverage_figure(plan: ShiftPlan, queue: str, zone: str) -> go.Figure:
    cover = plan.coverage[plan.coverage["queue"] == queue]
    x = cover["ds"].dt.tz_convert(zone)
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x, y=cover["required"], name="required", line={"shape": "hv", "color": "#444"}))
    if (cover["required_upper"] > cover["required"]).any():
        figure.add_trace(go.Scatter(x=x, y=cover["required_upper"], name="upper band",
                                    line={"shape": "hv", "color": "#999", "dash": "dot"}))
    figure.add_trace(go.Scatter(x=x, y=cover["scheduled"], name="scheduled (not on break)",
                                line={"shape": "hv", "color": "#1f77b4"}, fill="tozeroy", fillcolor="rgba(31,119,180,0.15)"))
    figure.add_trace(go.Scatter(x=x, y=cover["scheduled"] + cover["overtime"], name="with overtime",
                                line={"shape": "hv", "color": "#ff7f0e"}))
    figure.update_layout(height=360, margin={"t": 40}, legend=LEGEND_ABOVE, yaxis_title="agents",
                         xaxis_title=f"time ({zone})", hovermode="x unified")
    return figure


def start_heatmap(plan: ShiftPlan, site: str) -> go.Figure:
    shifts = plan.shifts[plan.shifts["site"] == site]
    local = pd.DatetimeIndex(shifts["start_utc"]).tz_convert(plan.sites[site].timezone)
    table = pd.DataFrame({"day": local.strftime("%a %d %b"), "order": local.date, "hour": local.hour,
                          "count": shifts["count"].to_numpy()})
    grid = table.pivot_table(index=["order", "day"], columns="hour", values="count", aggfunc="sum", fill_value=0)
    grid = grid.reindex(columns=range(24), fill_value=0)
    figure = go.Figure(go.Heatmap(z=grid.to_numpy(), x=[f"{h:02d}:00" for h in grid.columns],
                                  y=[d for _, d in grid.index], colorscale="Blues", colorbar={"title": "starts"},
                                  hovertemplate="%{y} %{x}<br>%{z} shifts start<extra></extra>"))
    figure.update_layout(height=max(260, 28 * len(grid)), yaxis={"autorange": "reversed"}, margin={"t": 30},
                         xaxis_title=f"local start hour ({plan.sites[site].timezone})")
    return figure


def gap_figure(plan: ShiftPlan) -> go.Figure:
    history = pd.DataFrame(plan.report.history)
    figure = go.Figure()
    if not history.empty:
        figure.add_trace(go.Scatter(x=history["seconds"], y=history["objective"], name="best plan", mode="lines+markers",
                                    line={"shape": "hv"}))
        figure.add_trace(go.Scatter(x=history["seconds"], y=history["bound"], name="bound", mode="lines+markers",
                                    line={"shape": "hv", "dash": "dot"}))
    figure.update_layout(height=260, margin={"t": 40}, xaxis_title="seconds", yaxis_title="cost",
                         legend=LEGEND_ABOVE)
    return figure


GAP_HELP = ("At most how much more this plan costs than the cheapest possible one: (plan - bound) / plan. The "
            "bound is the LP relaxation (or the MIP's proven bound when the MIP ran), which may staff with fractions "
            "of agents; with few agents on a queue, even the best plan stays some way above it.")
# Screen labels; the downloads keep the snake_case names for other tools.
SITE_LABELS = {"shifts": "Shifts", "paid_hours": "Paid hours", "fte": "FTE", "headcount": "Head count",
               "cost": "Cost of shifts", "night_hours": "Night hours", "overtime_hours_offered": "Overtime hours offered",
               "overtime_cost_if_used": "Overtime cost if all worked"}
OVERTIME_LABELS = {"site": "Site", "date_local": "Local date", "queue": "Queue", "side": "Before or after the shift",
                   "start_local": "From (local)", "end_local": "To (local)", "minutes": "Minutes", "count": "Blocks",
                   "start_utc": "From (UTC)", "cost_if_used": "Cost if worked"}


def _labels(frame: pd.DataFrame, labels: dict[str, str]) -> dict:
    """Column configs: the screen label, and numbers with the reader's thousands separators."""
    return {name: st.column_config.NumberColumn(label, format="localized")
            if pd.api.types.is_numeric_dtype(frame[name]) else st.column_config.Column(label)
            for name, label in labels.items() if name in frame}


def show(plan: ShiftPlan) -> None:
    facts = summary(plan)
    solver = facts["solver"]
    cols = st.columns(5)
    cols[0].metric("Cost of shifts", f"{facts['cost']['shifts']:,.0f}")
    cols[1].metric("Paid hours", f"{facts['paid_hours']:,.0f}")
    cols[2].metric("FTE", f"{facts['fte']:,.1f}")
    cols[3].metric("Gap to bound", "unknown" if solver["gap"] is None else f"{solver['gap']:.2%}", help=GAP_HELP)
    cols[4].metric("Overtime, if all worked", f"{facts['cost']['overtime_if_all_used']:,.0f}",
                   help="The cost of every overtime block offered, were all of them worked: overtime is paid only "
                        "if worked.")
    st.caption(f"Solver {solver['name']}: {solver['status']} ({STATUS_MEANING[solver['status']]}); "
               f"objective {solver['objective'] or 0:,.0f}, bound "
               f"{solver['bound'] or 0:,.0f}, LP relaxation {solver['lp_relaxation'] or 0:,.0f}; "
               f"{solver['seconds']:.1f} s (first plan after {solver['first_solution_seconds'] or 0:.1f} s); "
               f"model {solver['model_size']['columns']:,} columns x {solver['model_size']['rows']:,} rows.")
    for warning in plan.warnings:
        st.warning(warning)
    per_site = pd.DataFrame(facts["sites"]).T.astype(float)
    per_site = per_site.round(0).assign(fte=per_site["fte"].round(1))
    st.dataframe(per_site, width="stretch", column_config=_labels(per_site, SITE_LABELS))

    st.subheader("Coverage")
    left, right = st.columns(2)
    queue = left.selectbox("Queue", sorted(plan.coverage["queue"].unique()), key="plan_view_queue")
    zone = right.selectbox("Time zone", ["UTC"] + [s.timezone for s in plan.sites.values()], key="plan_view_zone")
    st.plotly_chart(coverage_figure(plan, queue, zone), width="stretch")
    short = pd.DataFrame({q: s["under_agent_hours"] for q, s in facts["staffing"].items()}, index=["agent-hours short"])
    st.dataframe(short, width="stretch")

    st.subheader("Shift starts per site")
    used = [s for s in plan.sites if (plan.shifts["site"] == s).any()]
    if used:
        for tab, site in zip(st.tabs(used), used):
            tab.plotly_chart(start_heatmap(plan, site), width="stretch")

    st.subheader("Overtime to offer")
    blocks = overtime_table(plan)
    if blocks.empty:
        st.caption("No overtime blocks: the upper band is covered by the base plan, or no overtime rules apply.")
    else:
        st.dataframe(blocks, width="stretch", hide_index=True, column_config=_labels(blocks, OVERTIME_LABELS))

    st.subheader("Gap over time")
    st.plotly_chart(gap_figure(plan), width="stretch")

    st.subheader("Downloads")
    files = {"shift_plan.csv": to_safe_csv(shift_plan_table(plan)), "overtime_blocks.csv": to_safe_csv(blocks),
             "coverage.csv": to_safe_csv(coverage_table(plan)), "tours.csv": to_safe_csv(tours_table(plan)),
             "summary.json": json.dumps(facts, indent=2, default=str).encode()}
    for column, (name, data) in zip(st.columns(len(files)), files.items()):
        column.download_button(name, data, file_name=name, key=f"plan_download_{name}")


st.title("Schedule")
st.header("Shift plan")
frame, label, sources = requirement_source()
tables = edited_inputs()
options = options_sidebar()
inputs = validated(frame, label, tables) if frame is not None else None
if inputs is not None:
    required = inputs[0]
    options, weeks = for_horizon(options, required)
    per_week = f" ({weeks} weeks x {options.time_limit / weeks:,.0f} s)" if weeks > 1 else ""
    queues = required.frame["queue"].nunique()
    st.caption(f"Requirements from {label}: {queues} queue{'s' * (queues != 1)}, {len(required.frame):,} rows, "
               f"{required.days} days from {required.start:%a %d %b %Y} (UTC) in {required.interval_minutes}-minute "
               f"intervals. Time limit {options.time_limit:,.0f} s{per_week}.")
    if st.button("Plan shifts", type="primary", key="plan_run"):
        st.session_state["shift_plan"] = run(inputs, options)
        st.session_state["shift_plan_sources"] = sources
        st.session_state["shift_plan_number"] = st.session_state.get("shift_plan_number", 0) + 1
plan = st.session_state.get("shift_plan")
if plan is not None:
    show(plan)
    st.header("Roster")
    st.caption("Give every planned shift to a person: named agents from an agents file, or anonymous agents "
               "per site. Rest, days in a row, contract hours and skills are enforced; what cannot be staffed "
               "is listed with the reason.")
    number = st.session_state.get("shift_plan_number", 0)
    if st.session_state.get("roster_plan", (None,))[0] != number:
        converted = plan_from_optimiser(plan)
        converted.source = f"shift plan {number}"
        st.session_state["roster_plan"] = (number, converted)
    forecast, queues = st.session_state.get("shift_plan_sources") or (None, None)
    render_roster(st.session_state["roster_plan"][1], forecast=forecast, queues=queues)
elif frame is None:
    st.info("Upload a requirements CSV, or choose the sample week.")
