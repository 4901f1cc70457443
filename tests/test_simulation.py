"""The discrete-event simulation agrees with the queueing formulas within sampling error, and
behaves as a roster replay needs (seeded, time-varying agents, every call accounted for)."""
from __future__ import annotations

import numpy as np
import pytest

from scheduling import erlang
from scheduling.simulation import simulate

INTERVAL = 1800.0


def batch_means(result, start, per_batch=10):
    """Service level and its standard error from batches of consecutive intervals."""
    within = result.answered_within[start:]
    offered = result.offered[start:]
    batches = len(within) // per_batch
    shares = [within[i * per_batch:(i + 1) * per_batch].sum() / offered[i * per_batch:(i + 1) * per_batch].sum()
              for i in range(batches)]
    return within.sum() / offered.sum(), np.std(shares, ddof=1) / np.sqrt(batches)


@pytest.mark.parametrize("calls,aht,agents,patience", [
    (100, 180, 14, None), (100, 180, 12, 150.0), (40, 300, 9, None), (250, 240, 34, 90.0), (8, 180, 2, None),
])
def test_simulation_matches_formulas(calls, aht, agents, patience):
    result = simulate(calls, aht, np.full(300, agents), interval=INTERVAL, answer_time=20, patience=patience, seed=11)
    sl, se = batch_means(result, start=4)
    formula = erlang.measures(calls, aht, INTERVAL, agents, 20, patience)
    # 4 standard errors plus half a point for the start-up of each run
    assert abs(sl - float(formula["service_level"])) <= 4 * se + 0.005
    total = result.total(start=4)
    assert total["occupancy"] == pytest.approx(float(formula["occupancy"]), abs=0.02)
    assert total["abandon_rate"] == pytest.approx(float(formula["abandon_rate"]), abs=0.01)
    assert total["asa"] == pytest.approx(float(formula["asa"]), rel=0.2, abs=1.0)


def test_required_staffing_hits_the_target_in_simulation():
    for patience in (None, 200.0):
        agents = int(erlang.required_agents(150, 240, INTERVAL, target_sl=0.8, answer_time=20, patience=patience))
        result = simulate(150, 240, np.full(300, agents), interval=INTERVAL, answer_time=20, patience=patience, seed=3)
        sl, se = batch_means(result, start=4)
        assert sl >= 0.8 - max(4 * se, 0.02)


def test_seeded_and_every_call_accounted_for():
    args = dict(calls=[30, 60, 90], aht=200, agents=[3, 8, 10], interval=INTERVAL, answer_time=30, patience=120.0)
    first, again, other = simulate(**args, seed=5), simulate(**args, seed=5), simulate(**args, seed=6)
    assert np.array_equal(first.answered_within, again.answered_within)
    assert not np.array_equal(first.offered, other.offered)
    assert np.array_equal(first.offered, first.answered + first.abandoned)


def test_agents_change_at_interval_boundaries():
    # No agent in the first interval: nobody is answered before the second begins.
    result = simulate([40, 0], 60, [0, 5], interval=INTERVAL, answer_time=0.0, seed=1)
    assert result.answered_within[0] == 0
    assert result.answered[0] == result.offered[0]  # all wait, nobody hangs up (no patience)
    assert result.wait_answered[0] / result.answered[0] > 600  # they waited for the 2nd interval
    # Agents leaving: with 0 agents after the first interval, late callers are never served.
    result = simulate([0, 30], 60, [5, 0], interval=INTERVAL, answer_time=20, patience=100.0, seed=1)
    assert result.answered[1] == 0 and result.abandoned[1] == result.offered[1]
