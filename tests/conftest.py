"""Shared fixtures: where things are, and the sample loaded once per test process."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
# Real public data sets live beside the checkout (never copied into the repo).
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def sample_history() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "history.csv.gz")
    frame["ds"] = pd.to_datetime(frame["ds"], utc=True)
    return frame


@pytest.fixture(scope="session")
def sample_queues():
    from forecasting.queues import load_queues

    return load_queues(DATA / "queues.csv")


def plotly_values(values) -> list:
    """A trace's x or y from a figure spec: plotly 6 writes numeric arrays as base64 typed arrays."""
    import base64

    import numpy as np

    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)
