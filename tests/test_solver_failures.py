"""When the solve does not go to plan: the time limit runs out, nobody can cover the requirement, the
HiGHS solver is not installed. Each time a plan still comes back, and the planner is told what happened
in words (the report's status, the plan's warnings), never with a traceback."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scheduling.optimiser import plan_shifts
from scheduling.plan_check import check_plan
from scheduling.plan_export import summary, write_outputs
from scheduling.plan_options import PlanOptions
from scheduling.sites import load_requirements, load_sites, load_templates

ROOT = Path(__file__).resolve().parent.parent
FALLBACK = "HiGHS (highspy) is not installed: solved with CBC instead."


def one_site(**change):
    row = {"site": "A", "timezone": "Europe/London", "queues": "q1;q2", "earliest_start": "06:00",
           "latest_start": "14:00", "max_agents": 200, "hourly_cost": 20, "night_premium": 0.25, **change}
    return load_sites(pd.DataFrame([row]))


def check_written(plan, folder: Path) -> None:
    """The plan's files pass the independent checker."""
    paths = write_outputs(plan, folder)
    read = {name: pd.read_csv(paths[name]) for name in ("shift_plan", "overtime_blocks", "coverage")}
    result = check_plan(read["shift_plan"], read["overtime_blocks"], read["coverage"],
                        json.loads(paths["summary"].read_text()), plan.sites, plan.templates)
    assert result.ok, result.problems


# ---------------------------------------------------------------------------------------------- time limit

def hard_week():
    """A week of two queues with fractional hourly needs, flexible breaks and 5-of-7 tours: the LP solves in
    well under a second, but proving the MIP optimal takes far longer than the few seconds allowed."""
    sites = one_site()
    templates = load_templates(pd.DataFrame([
        {"template": "FT", "length_minutes": 510,
         "breaks": "15 paid @ 1:30-2:45 | 30 unpaid @ 3:30-5:00 | 15 paid @ 5:45-7:15", "start_step_minutes": 60,
         "allowed_days": "Mon-Sun", "days_per_week": 5, "days_off_rule": "consecutive"},
        {"template": "PT", "length_minutes": 240, "breaks": "15 paid @ 1:30-2:45", "start_step_minutes": 60,
         "allowed_days": "Mon-Sun", "days_per_week": 5, "days_off_rule": "consecutive"}]))
    rng = np.random.default_rng(1)
    ds = pd.date_range("2027-06-14", periods=24 * 7, freq="60min", tz="UTC")
    frames = []
    for queue, peak in (("q1", 8), ("q2", 12)):
        shape = 8 + 6 * np.sin((ds.hour.to_numpy() - peak) / 24 * 2 * np.pi)
        frames.append(pd.DataFrame({"queue": queue, "ds": ds,
                                    "scheduled": np.maximum(0, shape + rng.normal(0, 1.5, len(ds))).round(1)}))
    return load_requirements(pd.concat(frames, ignore_index=True), sites), sites, templates


def test_time_limit_returns_the_best_plan_with_status_objective_and_gap(tmp_path):
    requirements, sites, templates = hard_week()
    options = PlanOptions(time_limit=4, gap=0.0)           # gap 0: only a proof of optimality would stop early
    plan = plan_shifts(requirements, sites, templates, None, options)
    report = plan.report
    assert report.status == "time limit"
    assert report.objective is not None and math.isfinite(report.objective)
    assert report.bound is not None and report.bound <= report.objective
    assert report.gap is not None and 0 < report.gap < 0.25        # a real plan, a known distance from optimal
    assert report.gap == pytest.approx((report.objective - report.bound) / report.objective)
    assert report.build_seconds + report.seconds >= 0.95 * options.time_limit   # the limit covers the build too
    assert report.history and report.history[-1]["objective"] == pytest.approx(report.objective)
    # the plan itself is complete and consistent
    assert plan.shifts["count"].sum() > 0 and len(plan.tours) > 0
    assert plan.coverage["scheduled"].sum() > 0
    check_written(plan, tmp_path / "plan")
    # and it is labelled as such wherever the planner reads it
    facts = summary(plan)["solver"]
    assert facts["status"] == "time limit" and facts["gap"] == pytest.approx(report.gap, abs=1e-4)
    assert facts["objective"] == pytest.approx(report.objective, abs=1e-3)


def test_a_mip_process_that_cannot_start_leaves_the_local_search_plan_and_says_so(monkeypatch, tmp_path):
    requirements, sites, templates = hard_week()
    monkeypatch.setattr(sys, "executable", "/bin/false")     # the MIP's child process dies at once
    plan = plan_shifts(requirements, sites, templates, None, PlanOptions(time_limit=4, gap=0.0))
    assert plan.report.objective is not None and plan.report.gap is not None
    assert any("MIP stopped early" in w for w in plan.warnings)
    check_written(plan, tmp_path / "plan")


def test_time_limit_before_the_lp_finishes_still_returns_a_labelled_plan():
    # The first few seconds go on the LP relaxation of a 24-hour site with 15-minute starts; with half a second
    # there is no bound to compare with: the plan comes back marked "no bound", its gap unknown.
    sites = one_site(earliest_start="00:00", latest_start="23:45")
    templates = load_templates(pd.DataFrame([
        {"template": "FT", "length_minutes": 510,
         "breaks": "15 paid @ 1:30-2:45 | 30 unpaid @ 3:30-5:00 | 15 paid @ 5:45-7:15", "start_step_minutes": 15,
         "allowed_days": "Mon-Sun", "days_per_week": 5, "days_off_rule": "consecutive"}]))
    ds = pd.date_range("2027-06-14", periods=96 * 7, freq="15min", tz="UTC")
    frame = pd.concat([pd.DataFrame({"queue": q, "ds": ds, "scheduled": 5.5}) for q in ("q1", "q2")])
    plan = plan_shifts(load_requirements(frame, sites), sites, templates, None, PlanOptions(time_limit=0.5))
    report = plan.report
    assert report.status in {"no bound", "time limit"}        # "no bound" unless the LP beat half a second
    assert report.objective is not None and math.isfinite(report.objective)
    if report.status == "no bound":
        assert report.bound is None and report.gap is None
    assert summary(plan)["solver"]["status"] == report.status
    assert len(plan.coverage) == 2 * len(ds)


# ---------------------------------------------------------------------------------------------- nobody can cover

def hourly(need: dict[int, float], day: str = "2027-06-15", days: int = 1, queue: str = "q1") -> pd.DataFrame:
    ds = pd.date_range(day, periods=24 * days, freq="60min", tz="UTC")
    return pd.DataFrame({"queue": queue, "ds": ds, "scheduled": [need.get(t.hour, 0.0) for t in ds]})


def test_hours_no_site_may_start_shifts_for_are_explained_not_raised():
    sites = one_site(timezone="UTC", queues="q1", earliest_start="08:00", latest_start="10:00")
    templates = load_templates(pd.DataFrame([{"template": "4h", "length_minutes": 240, "start_step_minutes": 60,
                                              "days_per_week": 7, "days_off_rule": "any"}]))
    plan = plan_shifts(load_requirements(hourly({9: 3, 10: 3, 20: 4, 21: 4, 22: 1}), sites), sites, templates, None,
                       PlanOptions(time_limit=10))
    messages = [w for w in plan.warnings if "needs" in w]
    assert len(messages) == 1
    assert messages[0].startswith("Tuesday 20:00-23:00 UTC needs 4 agents on queue q1 but no site serving it (A) "
                                  "may start shifts that cover those hours.")
    assert "Widen a site's earliest/latest start" in messages[0]
    assert plan.report.status == "optimal"
    short = plan.coverage.set_index(plan.coverage["ds"].dt.hour)["shortfall"]
    assert short[[20, 21, 22]].tolist() == [4, 4, 1] and short[[9, 10]].sum() == 0


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_requirement_no_shift_at_all_can_cover_gives_a_plan_and_words(solver, tmp_path):
    """No candidate shift exists at all (the template may only start on days outside the horizon): there
    used to be an IndexError from the untyped empty candidate table; now the planner reads why."""
    sites = one_site(timezone="America/Chicago", queues="q1", earliest_start="05:30", latest_start="05:45")
    templates = load_templates(pd.DataFrame([{"template": "6h", "length_minutes": 360, "start_step_minutes": 15,
                                              "allowed_days": "Tue;Thu;Sat;Sun", "days_per_week": 3,
                                              "days_off_rule": "any"}]))
    need = hourly({h: 2.0 for h in range(24)}, day="2027-03-26")       # a Friday (Thursday evening in Chicago)
    plan = plan_shifts(load_requirements(need, sites), sites, templates, None,
                       PlanOptions(solver=solver, time_limit=10))
    assert plan.shifts.empty
    assert any(w.startswith("Friday 00:00-24:00 UTC needs 2 agents on queue q1 but no site serving it (A) may "
                            "start shifts") for w in plan.warnings), plan.warnings
    assert plan.report.status == "optimal" and plan.report.solver == solver
    assert plan.coverage["shortfall"].sum() == pytest.approx(2.0 * 24)
    check_written(plan, tmp_path / "plan")


def test_a_week_nobody_can_cover_says_which_days():
    sites = load_sites(pd.DataFrame([
        {"site": "A", "timezone": "Europe/Dublin", "queues": "q1", "earliest_start": "08:00",
         "latest_start": "10:00", "max_agents": 30, "hourly_cost": 20},
        {"site": "B", "timezone": "Asia/Manila", "queues": "q2", "earliest_start": "08:00",
         "latest_start": "10:00", "max_agents": 30, "hourly_cost": 20}]))
    templates = load_templates(pd.DataFrame([{"template": "8h", "length_minutes": 480, "start_step_minutes": 60,
                                              "days_per_week": 5, "days_off_rule": "consecutive", "sites": "B"}]),
                               sites=sites)                         # site A, the only one serving q1, has no template
    need = hourly({h: 2.0 for h in range(24)}, day="2027-06-14", days=7)
    plan = plan_shifts(load_requirements(need, sites), sites, templates, None, PlanOptions(time_limit=10))
    assert plan.shifts.empty and plan.report.objective is not None
    assert plan.warnings[0].startswith("Monday 00:00-24:00 UTC (to Sunday) needs 2 agents on queue q1 but no site "
                                       "serving it (A)")


# ---------------------------------------------------------------------------------------------- no HiGHS

def tiny_inputs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([{"site": "Dublin", "timezone": "Europe/Dublin", "queues": "q", "earliest_start": "07:00",
                   "latest_start": "12:00", "max_agents": 30, "hourly_cost": 30}]).to_csv(folder / "sites.csv",
                                                                                         index=False)
    pd.DataFrame([{"template": "Day", "length_minutes": 480, "breaks": "30 unpaid @ 3:00-4:30",
                   "start_step_minutes": 60, "allowed_days": "Mon-Sun", "days_per_week": 7,
                   "days_off_rule": "any"}]).to_csv(folder / "templates.csv", index=False)
    ds = pd.date_range("2027-06-15 08:00", periods=10, freq="60min", tz="UTC")
    pd.DataFrame({"queue": "q", "ds": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "scheduled": 3.0}).to_csv(
        folder / "req.csv", index=False)
    return folder


def run_python(args: list[str], *, without_highspy: bool, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run the venv's python in a clean process; ``without_highspy`` makes ``import highspy`` fail there
    (a ``sitecustomize`` puts None in ``sys.modules['highspy']``), as on a machine without it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "COVERAGE"))}
    path = [str(ROOT)]
    if without_highspy:
        hook = tmp_path / "no_highspy"
        hook.mkdir(exist_ok=True)
        (hook / "sitecustomize.py").write_text("import sys\nsys.modules['highspy'] = None\n")
        path.insert(0, str(hook))
    env["PYTHONPATH"] = os.pathsep.join(path)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


def test_without_highspy_the_plan_is_solved_with_cbc_and_the_planner_is_told(tmp_path):
    script = textwrap.dedent("""
        import json
        import pandas as pd
        try:
            import highspy
            raise SystemExit("highspy still importable")
        except ImportError:
            pass
        from scheduling.optimiser import plan_shifts
        from scheduling.plan_export import summary
        from scheduling.plan_options import PlanOptions
        from scheduling.sites import load_requirements, load_sites, load_templates
        folder = {folder!r}
        sites = load_sites(folder + "/sites.csv")
        templates = load_templates(folder + "/templates.csv", sites=sites)
        plan = plan_shifts(load_requirements(folder + "/req.csv", sites), sites, templates, None,
                           PlanOptions(time_limit=20))          # solver left at its default, "highs"
        print(json.dumps({{"solver": plan.report.solver, "status": plan.report.status,
                          "objective": plan.report.objective, "shifts": int(plan.shifts["count"].sum()),
                          "warnings": plan.warnings, "summary_warnings": summary(plan)["warnings"],
                          "summary_solver": summary(plan)["solver"]["name"]}}))
    """).format(folder=str(tiny_inputs(tmp_path / "in")))
    done = run_python(["-c", script], without_highspy=True, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["solver"] == "cbc" and out["summary_solver"] == "cbc"
    assert out["status"] == "optimal" and out["shifts"] > 0 and out["objective"] > 0
    assert FALLBACK in out["warnings"] and FALLBACK in out["summary_warnings"]


def test_with_highspy_nothing_is_said_about_cbc(tmp_path):
    folder = tiny_inputs(tmp_path / "in")
    sites = load_sites(folder / "sites.csv")
    plan = plan_shifts(load_requirements(folder / "req.csv", sites), sites,
                       load_templates(folder / "templates.csv", sites=sites), None, PlanOptions(time_limit=20))
    assert plan.report.solver == "highs" and not any("CBC" in w for w in plan.warnings)


def cli_plan(folder: Path, out: Path, *extra: str) -> list[str]:
    return ["-m", "scheduling", "plan", "--requirements", str(folder / "req.csv"), "--sites", str(folder / "sites.csv"),
            "--shifts", str(folder / "templates.csv"), "--time-limit", "20", "--out", str(out), "--quiet", *extra]


def test_cli_plan_with_cbc_end_to_end(tmp_path):
    folder = tiny_inputs(tmp_path / "in")
    done = run_python(cli_plan(folder, tmp_path / "out", "--solver", "cbc"), without_highspy=False, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "status optimal (cbc: no cheaper plan exists)" in done.stdout and "gap 0.00%" in done.stdout
    assert "not installed" not in done.stderr                        # CBC was asked for: nothing to announce
    facts = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert facts["solver"]["name"] == "cbc" and facts["solver"]["status"] == "optimal"
    assert facts["sites"]["Dublin"]["shifts"] > 0
    plan = pd.read_csv(tmp_path / "out" / "shift_plan.csv")
    result = check_plan(plan, pd.read_csv(tmp_path / "out" / "overtime_blocks.csv"),
                        pd.read_csv(tmp_path / "out" / "coverage.csv"), facts, load_sites(folder / "sites.csv"),
                        load_templates(folder / "templates.csv"))
    assert result.ok, result.problems


def test_cli_plan_without_highspy_falls_back_to_cbc_and_says_so(tmp_path):
    """The command line imports the roster module (which uses HiGHS) at start-up: it used to die with
    ModuleNotFoundError before the optimiser could fall back to CBC."""
    folder = tiny_inputs(tmp_path / "in")
    done = run_python(cli_plan(folder, tmp_path / "out"), without_highspy=True, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "status optimal (cbc: no cheaper plan exists)" in done.stdout
    assert f"warning: {FALLBACK}" in done.stderr
    facts = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert facts["solver"]["name"] == "cbc" and FALLBACK in facts["warnings"]
