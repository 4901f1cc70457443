"""Staffing and scheduling: queueing maths, requirements, shift optimiser, rosters, export."""
