"""Scenarios page (for executives): what-if questions side by side, in money and people, and a hiring plan.

Thin: widgets -> planning library -> plotly. Forecast fits are cached by the stage cache (shared by every
session of this server); saved scenarios live in the scenario database (planning.store).
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from forecasting.engine import combine, forecast_queues, make_tasks
from forecasting.models import QueueSettings
from forecasting.safe_csv import to_safe_csv
from forecasting.validation import InputError
from planning.capacity import check_plan, hours_per_contact, make_inputs, recommend, weekly_required_fte
from planning.scenarios import (BASE_NAME, KPIS, BaseInputs, Scenario, StageCache, compare, comparison_table,
                                make_scenario, run_scenarios)
from planning.store import open_store
from scheduling.sites import load_overtime, load_sites, load_templates
from ui import state

OPTIMISER_SECONDS = 25.0  # per scenario (two solve at once); a scenario plan stops at a 1% gap anyway
STARTERS = [Scenario(name="Volume +15% and a March launch", volume_growth_percent=15,
                     description="Growth of 15% plus a product launch lifting contacts by 30% on 1 March.",
                     extra_events=[{"name": "March launch", "start": date(date.today().year + 1, 3, 1),
                                    "lift_percent": 30, "decay_days": 7}]),
            Scenario(name="Service 90/20", service_level=0.9, answer_seconds=20,
                     description="Answer 90% of calls and chats within 20 seconds instead of 80%.")]


UNIT_FORMATS = {"FTE": "{:,.1f}", "per week": "{:,.0f}", "per contact": "{:,.2f}", "contacts": "{:,.0f}",
                "share": "{:.1%}", "seconds": "{:,.1f} s", "hours per week": "{:,.1f}"}


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """The side-by-side table as text an executive reads: each measure in its own unit, n/a where unknown."""
    units = {label: unit for label, unit, _ in KPIS.values()}
    out = table.copy().astype(object)
    for i, measure in table["measure"].items():
        style = UNIT_FORMATS.get(units.get(measure), "{:,.2f}")
        for column in table.columns[1:]:
            value = table.at[i, column]
            if value is None or pd.isna(value):
                out.at[i, column] = "n/a"
            elif column.endswith("change %"):
                out.at[i, column] = f"{value:+.1f}%"
            elif column.endswith(": change"):
                out.at[i, column] = ("+" if value > 0 else "") + (
                    f"{value * 100:.1f} pts" if units.get(measure) == "share" else style.format(value))
            else:
                out.at[i, column] = style.format(value)
    return out


@st.cache_resource
def stage_cache() -> StageCache:
    return StageCache()


@st.cache_resource
def store():
    return open_store()


@st.cache_data(show_spinner=False)
def sites():
    return load_sites(state.SAMPLE_SITES)


@st.cache_data(show_spinner=False)
def shift_rules():
    """The sample's shift templates and overtime rules, for scenarios that plan shifts."""
    return (load_templates(state.SAMPLE_TEMPLATES, sites=sites()),
            load_overtime(state.DATA_DIR / "overtime.csv", sites=sites()))


def base_inputs(weeks: int, optimise: bool = False) -> BaseInputs:
    history = state.history()
    events = st.session_state.get("events")
    if events is None:
        events = state.sample()[1]
    queues = {q: c for q, c in state.queues().items() if q in set(history.frame["queue"])}
    # top-down: the scenario runs re-fit rarely, but the first run should not keep an executive waiting
    templates, overtime = shift_rules() if optimise else ({}, {})
    return BaseInputs(history.frame, history.interval_minutes, queues, events, sites=sites(),
                      horizon_days=7 * weeks, method="top-down", optimise=optimise, templates=templates,
                      overtime=overtime, optimiser_time_limit=OPTIMISER_SECONDS)


@st.cache_data(show_spinner="Forecasting the next weeks day by day…")
def daily_forecast(history: pd.DataFrame, zones: dict[str, str], days: int) -> pd.DataFrame:
    configs = state.queues()
    settings = {q: QueueSettings.from_config(c) for q, c in configs.items() if q in zones}
    tasks = make_tasks(history[history["queue"].isin(list(zones))], settings, None, horizon_days=days,
                       granularity=1440, method="top-down")
    return combine(forecast_queues(tasks))


def scenario_form(saved: list[str]) -> None:
    """Duplicate a saved scenario, change what you want, save it under a new name."""
    with st.expander("Duplicate and change a scenario", icon=":material/content_copy:"):
        source = st.selectbox("Start from", saved, key="dup_source")
        original = store()[0].load(source) if source else Scenario(name="New")
        with st.form("duplicate"):
            name = st.text_input("New name", value=f"{original.name} (copy)")
            c1, c2, c3 = st.columns(3)
            growth = c1.number_input("Volume growth (%)", value=original.volume_growth_percent, step=1.0,
                                     help="More (or fewer, if negative) contacts than the forecast, every day.")
            aht = c2.number_input("Handle time change (%)", value=original.aht_change_percent, step=1.0,
                                  help="AHT: average handle time, the minutes an agent spends per contact.")
            deflect = c3.number_input("Self-service on chat (%)", value=original.deflection_percent.get("chat", 0.0),
                                      min_value=0.0, max_value=99.0,
                                      help="Share of chats answered by self-service (a bot or the app) instead.")
            sl = c1.number_input("Service level target (%)", value=(original.service_level or 0.8) * 100,
                                 min_value=1.0, max_value=100.0,
                                 help="Share of calls and chats answered within the answer time.")
            answer = c2.number_input("Answer time (seconds)", value=original.answer_seconds or 20.0, min_value=1.0,
                                     help="The 'within' part of the target: 80/20 means 80% within 20 seconds.")
            shrink = c3.number_input("Shrinkage (%)", value=original.shrinkage_percent or 20.0, min_value=0.0,
                                     max_value=99.0, help="Paid time not spent on contacts: absence, leave, "
                                                          "training, coaching.")
            cost = c1.number_input("Hourly cost, all sites (0 = unchanged)",
                                   value=float(original.hourly_cost.get("all", 0.0)), min_value=0.0,
                                   help="Currency per paid hour of an agent.")
            launch = c2.date_input("Launch date (optional)", value=None,
                                   help="A launch raises contacts from this day, fading over a week.")
            lift = c3.number_input("Launch lift (%)", value=30.0, help="Extra contacts on the launch day.")
            note = st.text_input("What changed and why", help="Kept in the scenario's history.")
            if st.form_submit_button("Save scenario", type="primary"):
                data = original.model_dump() | {
                    "name": name, "volume_growth_percent": growth, "aht_change_percent": aht,
                    "deflection_percent": {**original.deflection_percent, "chat": deflect} if deflect else
                    {k: v for k, v in original.deflection_percent.items() if k != "chat"},
                    "service_level": sl / 100, "answer_seconds": answer, "shrinkage_percent": shrink,
                    "hourly_cost": {**original.hourly_cost, "all": cost} if cost else
                    {k: v for k, v in original.hourly_cost.items() if k != "all"}}
                if launch:
                    data["extra_events"] = [*original.extra_events, {"name": f"Launch {launch}", "start": launch,
                                                                     "lift_percent": lift, "decay_days": 7}]
                try:
                    version = store()[0].save(make_scenario(data, source="scenario form"), author="app user",
                                              note=note)
                    st.success(f"Saved '{name}' (version {version}).")
                except InputError as err:
                    st.error(str(err))


def kpi_cards(result, base) -> None:
    keys = ["required_fte", "weekly_cost", "cost_per_contact", "service_level", "asa_seconds", "occupancy"]
    for column, key in zip(st.columns(len(keys)), keys):
        label, unit, help_text = KPIS[key]
        value, before = result.kpis[key], base.kpis[key]
        column.metric(label, _fmt(key, value), delta=None if result is base else _fmt(key, value - before),
                      delta_color="inverse" if key in ("required_fte", "weekly_cost", "cost_per_contact",
                                                       "asa_seconds") else "normal", help=help_text)


def _fmt(key: str, value: float) -> str:
    if pd.isna(value):
        return "n/a"
    if key in ("service_level", "occupancy"):
        return f"{value:.1%}"
    if key in ("weekly_cost",):
        return f"{value:,.0f}"
    if key == "cost_per_contact":
        return f"{value:,.2f}"
    return f"{value:,.1f}"


def weekly_chart(results, column: str, title: str) -> go.Figure:
    frame = pd.concat([r.weekly.assign(scenario=r.name) for r in results], ignore_index=True)
    figure = px.bar(frame, x="week", y=column, color="scenario", barmode="group", title=title)
    figure.update_layout(height=320, margin={"t": 40}, xaxis_title="week starting", legend_title_text="")
    return figure


def capacity_section(chosen) -> None:
    st.subheader("Hiring plan", help="Weeks ahead: the people needed each week against the people you will "
                                     "have after leavers, and the hiring classes that close the gap at least cost.")
    c1, c2, c3, c4 = st.columns(4)
    weeks = c1.number_input("Weeks ahead", 4, 78, 26)
    headcount = c2.number_input("Productive staff today (FTE)", 0.0, value=float(round(chosen.kpis["required_fte"])),
                                help="FTE: full-time equivalents; two half-time agents count as one.")
    attrition = c3.number_input("Leavers per month (%)", 0.0, 99.0, 2.5, help="Attrition: share of staff who "
                                                                              "leave each month.")
    tolerance = c4.number_input("Allowed shortfall (FTE)", 0.0, value=2.0, help="How far below the need a "
                                                                               "week may fall before it counts as a gap.")
    training = c1.number_input("Training (weeks)", 0, 26, 4, help="New hires are not on the phones while training.")
    ramp = c2.number_input("Ramp-up (weeks)", 0, 26, 4, help="After training, new hires reach full speed gradually.")
    leave = c3.number_input("Planned leave (FTE per week)", 0.0, value=0.0,
                            help="Holidays and other planned absence not already in shrinkage, in FTE each week.")
    st.caption("Hiring classes already planned (they count before any new class is recommended):")
    planned = st.data_editor(pd.DataFrame({"start": pd.Series(dtype="datetime64[ns]"), "people": pd.Series(dtype=int)}),
                             num_rows="dynamic", key="capacity_planned", hide_index=True,
                             column_config={"start": st.column_config.DateColumn("class starts"),
                                            "people": st.column_config.NumberColumn("people", min_value=1, step=1)})
    history = state.history().frame
    zones = {q: c.timezone for q, c in state.queues().items() if q in set(history["queue"])}
    after_history = history["ds"].max().date() + timedelta(days=1)
    start = max(date.today(), after_history)
    start += timedelta(days=(7 - start.weekday()) % 7)  # plans run Monday to Sunday
    daily = daily_forecast(history, zones, (start - after_history).days + 7 * int(weeks) + 7)
    scale = 1 + chosen.scenario.volume_growth_percent / 100
    need = weekly_required_fte(daily.assign(yhat=daily["yhat"] * scale), hours_per_contact(chosen.requirements))
    need = need[need["week"].dt.date >= start].head(int(weeks))
    try:
        inputs = make_inputs({"start": start, "required": need["required_fte"].round(2).tolist(),
                              "headcount": headcount, "attrition_monthly_percent": attrition,
                              "tolerance_fte": tolerance, "training_weeks": training, "ramp_weeks": ramp,
                              "leave": [leave] * int(weeks),
                              "planned_classes": [{"start": pd.Timestamp(r.start).date(), "size": int(r.people),
                                                   "training_weeks": training, "ramp_weeks": ramp}
                                                  for r in planned.dropna().itertuples()]})
    except InputError as err:
        st.error(str(err))
        return
    plan = recommend(inputs, time_limit=10)
    table = check_plan(inputs, plan)
    empty = check_plan(inputs, plan.iloc[0:0])
    figure = go.Figure()
    figure.add_scatter(x=table["start"], y=table["required"], name="needed (FTE)", line={"color": "#d62728"})
    figure.add_scatter(x=empty["start"], y=empty["available"], name="available without new classes",
                       line={"dash": "dot"})
    figure.add_scatter(x=table["start"], y=table["available"], name="available with the hiring plan")
    for row in plan.itertuples():
        figure.add_vline(x=pd.Timestamp(row.start).timestamp() * 1000, line_dash="dash", line_color="#999",
                         annotation_text=f"new class of {row.size}")
    for cls in inputs.planned_classes:
        figure.add_vline(x=pd.Timestamp(cls.start).timestamp() * 1000, line_dash="dot", line_color="#2ca02c",
                         annotation_text=f"planned class of {cls.size}")
    figure.update_layout(height=380, margin={"t": 30}, yaxis_title="FTE", xaxis_title="week starting")
    st.plotly_chart(figure, width="stretch")
    short = int((~table["within_tolerance"]).sum())
    st.caption(f"{len(plan)} hiring class(es), {int(plan['size'].sum()) if len(plan) else 0} people. "
               + (f"{short} week(s) stay short because no class can be trained in time."
                  if short else "Every week stays within the allowed shortfall."))
    st.dataframe(plan.rename(columns={"start": "class starts", "week": "week no.", "size": "people",
                                      "training_weeks": "training weeks", "ramp_weeks": "ramp-up weeks"}),
                 hide_index=True)


def main() -> None:
    st.title("Scenarios")
    st.caption("What-if questions answered side by side in people and money. Nothing here changes the "
               "planners' forecast or schedule.")
    db, message = store()
    if message:
        st.warning(message)
    if not db.names():
        for starter in STARTERS:
            db.save(starter, author="app", note="starter scenario")
    saved = db.names()
    scenario_form(saved)
    saved = db.names()
    chosen_names = st.multiselect("Scenarios to compare with the base plan", saved, default=saved[:3],
                                  help="The base plan is today's forecast, targets and costs, unchanged.")
    left, right = st.columns(2)
    weeks = left.slider("Weeks to plan", 1, 4, 1, help="Length of the detailed plan behind the figures.")
    optimise = right.toggle("Plan shifts for each scenario", key="scenario_optimise",
                            help="Runs the shift optimiser on each scenario (about half a minute each): scheduled "
                                 "FTE and cost per site, overtime and understaffed intervals. Off: people and cost "
                                 "come from the requirements alone.")
    base = base_inputs(weeks, optimise)
    cache = stage_cache()
    try:
        with st.spinner("Running the scenarios (the first run fits the forecast; later ones reuse it)…"):
            results = run_scenarios(base, [Scenario(name=BASE_NAME)] + [db.load(name) for name in chosen_names],
                                    cache)
    except InputError as err:
        st.error(str(err))
        return
    for result in results:
        for note in result.notes:
            st.info(note)
    focus = st.selectbox("Scenario to show in the cards", [r.name for r in results], index=min(1, len(results) - 1))
    chosen = next(r for r in results if r.name == focus)
    st.subheader(focus, help="Changes against the base plan are shown under each figure.")
    if chosen.scenario.description:
        st.write(chosen.scenario.description)
    kpi_cards(chosen, results[0])
    if len(chosen.by_site):
        st.caption("Per site, from the shift plan (per week):")
        st.dataframe(chosen.by_site.rename(columns={"scheduled_fte": "scheduled FTE", "headcount": "people",
                                                    "overtime_hours": "overtime hours",
                                                    "overtime_cost": "overtime cost"}).round(1),
                     hide_index=True)

    long = compare(results)
    st.subheader("Side by side", help="Weekly figures. 'change' is the difference from the base plan.")
    st.dataframe(readable(comparison_table(long)), hide_index=True)
    st.download_button("Download the comparison (CSV)", to_safe_csv(long),
                       file_name="scenario_comparison.csv", mime="text/csv")
    left, right = st.columns(2)
    left.plotly_chart(weekly_chart(results, "required_fte", "People needed (FTE)"), width="stretch")
    right.plotly_chart(weekly_chart(results, "cost", "Cost per week"), width="stretch")
    left.plotly_chart(weekly_chart(results, "service_level", "Service level"), width="stretch")
    right.plotly_chart(weekly_chart(results, "occupancy", "Occupancy (agents' busy share)"),
                       width="stretch")
    st.download_button("Download scenarios (JSON)", db.export_json(chosen_names), file_name="scenarios.json",
                       mime="application/json")
    capacity_section(chosen)


main()
