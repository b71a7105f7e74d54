"""report.html of a run and the live-report subscriber that keeps it current."""
