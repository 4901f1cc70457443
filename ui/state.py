"""What the pages share through ``st.session_state``, and the cached loaders of the bundled sample.

Session keys (each page reads what earlier stages left, never writes another page's key):
- ``history``: :class:`forecasting.history.History` loaded on the History page.
- ``queues``: ``dict[str, QueueConfig]`` for the loaded history (the sample's by default).
- ``events``: events frame (contract of ARCHITECTURE.md), edited on the Forecast page.
- ``forecast``: forecast frame ``queue, ds, yhat, yhat_lower, yhat_upper, aht`` from the Forecast page.
- ``requirements``: requirements frame from the Staffing page; ``staffed_forecast`` and ``staffed_queues``
  are the forecast and queue configs (targets as edited) it was computed from.
- ``shift_plan``: the solved :class:`scheduling.optimiser.ShiftPlan` of the Schedule page, with
  ``shift_plan_sources`` (forecast, queue configs) for its roster's simulation replay.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from forecasting.calendar import load_events
from forecasting.history import History, load_history
from forecasting.queues import QueueConfig, load_queues

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SAMPLE_HISTORY = DATA_DIR / "history.csv.gz"
SAMPLE_EVENTS = DATA_DIR / "events.csv"
SAMPLE_QUEUES = DATA_DIR / "queues.csv"
SAMPLE_SITES = DATA_DIR / "sites.csv"
SAMPLE_TEMPLATES = DATA_DIR / "shift_templates.csv"


@st.cache_data(show_spinner=False)
def sample_queues() -> dict[str, QueueConfig]:
    return load_queues(SAMPLE_QUEUES)


@st.cache_data(show_spinner="Loading the sample history...")
def sample() -> tuple[History, pd.DataFrame]:
    """The bundled sample through the same ingestion as an upload: (history, events)."""
    queues = sample_queues()
    return load_history(SAMPLE_HISTORY, queues=queues), load_events(SAMPLE_EVENTS, known_queues=list(queues))


def history() -> History:
    """The history loaded on the History page, else the sample's."""
    return st.session_state.get("history") or sample()[0]


def queues() -> dict[str, QueueConfig]:
    """The queue configs in use: the session's, else the sample's."""
    return st.session_state.get("queues") or sample_queues()
