"""Contact-volume forecasting: history ingestion, calendars, Prophet models, backtests."""
