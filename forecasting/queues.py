"""Queue configuration (``queues.csv``): channel, time zone, holiday country, opening hours, targets.

One row per queue. Opening hours are given per weekday in the queue's local time as
``HH:MM-HH:MM`` (``00:00-24:00`` for round the clock) or ``closed``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from forecasting.calendar import check_country
from forecasting.tables import read_config_csv
from forecasting.validation import InputError, check_timezone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Channel = Literal["phone", "chat", "email"]
_WEEK_SECONDS = 7 * 24 * 3600  # no answer target or patience is longer than a week


def parse_span(text: str) -> tuple[int, int] | None:
    """``"08:00-20:00"`` -> (480, 1200) minutes after local midnight; ``"closed"`` -> None."""
    text = str(text).strip().lower()
    if text in ("closed", "", "nan", "-"):
        return None
    try:
        start, end = (part.strip() for part in text.split("-"))
        sh, sm = (int(x) for x in start.split(":"))
        eh, em = (int(x) for x in end.split(":"))
    except ValueError:
        raise ValueError(f"'{text}' is not an opening span; write HH:MM-HH:MM, 00:00-24:00 or closed") from None
    start_min, end_min = sh * 60 + sm, eh * 60 + em
    if not (0 <= start_min < end_min <= 24 * 60) or sm >= 60 or em >= 60:
        raise ValueError(f"'{text}' must run forwards within one day (00:00 to 24:00)")
    return start_min, end_min


class QueueConfig(BaseModel):
    """One queue. Times in seconds, shares as fractions (0.8 = 80%)."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)

    queue: str = Field(min_length=1)
    channel: Channel
    region: str = ""
    timezone: str
    country: str = ""
    open_mon: str = "00:00-24:00"
    open_tue: str = "00:00-24:00"
    open_wed: str = "00:00-24:00"
    open_thu: str = "00:00-24:00"
    open_fri: str = "00:00-24:00"
    open_sat: str = "00:00-24:00"
    open_sun: str = "00:00-24:00"
    target_sl: float | None = Field(default=0.8, gt=0, le=1)
    answer_seconds: float | None = Field(default=20, gt=0, le=_WEEK_SECONDS)
    target_asa_seconds: float | None = Field(default=None, gt=0, le=_WEEK_SECONDS)
    max_occupancy: float | None = Field(default=None, gt=0, le=1)
    max_abandon: float | None = Field(default=None, gt=0, le=1)
    concurrency: float = Field(default=1, ge=1, le=100)
    patience_seconds: float | None = Field(default=None, gt=0, le=_WEEK_SECONDS)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return check_country(value)

    @field_validator(*(f"open_{d}" for d in WEEKDAYS))
    @classmethod
    def _span(cls, value: str) -> str:
        parse_span(value)
        return value

    @model_validator(mode="after")
    def _has_target(self) -> "QueueConfig":
        if self.target_sl is None and self.target_asa_seconds is None:
            raise ValueError("give a service target: target_sl with answer_seconds, or target_asa_seconds")
        if self.target_sl is not None and self.answer_seconds is None:
            raise ValueError("target_sl needs answer_seconds (e.g. 80% in 20 s)")
        return self

    def open_spans(self) -> dict[int, tuple[int, int] | None]:
        """Weekday (Monday=0) -> (start, end) minutes after local midnight, or None if closed."""
        return {i: parse_span(getattr(self, f"open_{d}")) for i, d in enumerate(WEEKDAYS)}


def _read_csv(source: str | Path | bytes | pd.DataFrame, name: str | None = None) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source.copy(), name or "queues table"
    label = name or ("queues file" if isinstance(source, bytes) else Path(source).name)
    fix = "add a header row and one row per queue (see data/queues.csv)."
    return read_config_csv(source, label, empty_fix=fix), label


def load_queues(source: str | Path | bytes | pd.DataFrame, *, name: str | None = None) -> dict[str, QueueConfig]:
    """Read and validate a queues table (``name`` labels messages, e.g. an upload's file name); raises
    :class:`InputError` naming row, column and value."""
    frame, name = _read_csv(source, name)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for required in ("queue", "channel", "timezone"):
        if required not in frame.columns:
            raise InputError(
                f"the column '{required}' is missing (found: {', '.join(frame.columns)}).",
                file=name, fix="add it; see data/queues.csv for the expected columns.",
            )
    queues: dict[str, QueueConfig] = {}
    for i, record in enumerate(frame.to_dict("records")):
        row = i + 2
        clean = {k: (None if (v is None or str(v).strip() == "") else str(v).strip()) for k, v in record.items()}
        try:
            config = QueueConfig(**{k: v for k, v in clean.items() if v is not None})
        except ValidationError as err:
            first = err.errors()[0]
            column = str(first["loc"][0]) if first["loc"] else None
            raise InputError(
                first["msg"].removeprefix("Value error, ") + ".",
                file=name, row=row, column=column, value=clean.get(column) if column else None,
                fix="correct the value in the queues file.",
            ) from None
        if config.queue in queues:
            raise InputError("this queue name appears twice.", file=name, row=row, column="queue",
                             value=config.queue, fix="give each queue one row.")
        queues[config.queue] = config
    if not queues:
        raise InputError("the file has no queues.", file=name, fix="add one row per queue.")
    return queues
