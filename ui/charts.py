"""Plotly figures the pages share. Figures only: no widgets, no data loading."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

QUEUE_COLOURS = px.colors.qualitative.D3
# Horizontal legends go above the plot: below it, plotly puts them over the x axis's tick labels and title.
LEGEND_ABOVE = {"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom", "title_text": ""}
EVENT_COLOURS = {"launch": "#2ca02c", "campaign": "#ff7f0e", "outage": "#d62728", "holiday": "#9467bd",
                 "other": "#8c564b"}


def daily_volume(daily: pd.DataFrame, holidays: pd.DataFrame, events: pd.DataFrame, *,
                 unit: str = "day") -> go.Figure:
    """Contacts per local day (or week), one line per queue; holidays as markers, events as shaded spans.

    ``daily``: queue, date, y. ``holidays``: queue, date, name. ``events``: name, kind, start, end.
    """
    fig = px.line(daily, x="date", y="y", color="queue", labels={"y": f"contacts per {unit}", "date": ""},
                  color_discrete_sequence=QUEUE_COLOURS)
    if not holidays.empty:
        marks = holidays.merge(daily, on=["queue", "date"], how="left").fillna({"y": 0})
        fig.add_trace(go.Scatter(x=marks["date"], y=marks["y"], mode="markers", name="public holiday",
                                 marker={"symbol": "x", "size": 9, "color": EVENT_COLOURS["holiday"]},
                                 text=marks["queue"] + ": " + marks["name"], hoverinfo="text+x"))
    for event in events.itertuples():
        start, end = pd.Timestamp(event.start).normalize(), pd.Timestamp(event.end).normalize() + pd.Timedelta(days=1)
        fig.add_vrect(x0=start, x1=end, fillcolor=EVENT_COLOURS.get(event.kind, "#888"), opacity=0.18,
                      line_width=0, annotation_text=event.name, annotation_position="top left",
                      annotation={"font_size": 9, "textangle": -90})
    fig.update_layout(hovermode="x unified", legend_title_text="", margin={"t": 30})
    fig.update_xaxes(rangeselector={"buttons": [
        {"count": 3, "label": "3 months", "step": "month", "stepmode": "backward"},
        {"count": 1, "label": "1 year", "step": "year", "stepmode": "backward"},
        {"step": "all", "label": "all"}]})
    return fig


def weekday_hour_heatmap(table: pd.DataFrame, title: str) -> go.Figure:
    """Heatmap of a weekday x hour table of mean contacts per hour."""
    fig = px.imshow(table, aspect="auto", color_continuous_scale="Blues", origin="upper",
                    labels={"x": "hour of day (local)", "y": "", "color": "contacts / hour"})
    fig.update_xaxes(dtick=1)
    fig.update_layout(title=title, margin={"t": 40})
    return fig
