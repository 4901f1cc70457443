"""What-if scenarios, capacity (hiring) plans and the scenario store: the pipeline re-run with changed inputs."""
