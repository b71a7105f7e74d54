"""The closed loop: campaign state, its run directory and event log, the runner and sessions."""
