"""`explorer benchmark`: strategies x tasks x paired seeds on the sweep machinery, scored against
each task's ground truth, summarised as a leaderboard with paired statistics."""
