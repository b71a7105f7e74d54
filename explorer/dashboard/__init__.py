"""`explorer serve`: a local web app that follows a run's event log as it grows and steers it.

Modules: follower (tails events.jsonl), runs (which run directories are served), model (posterior
maps and raw curves from the analysis code), views (the JSON each panel draws), actions (writes
steering lines to the run's control files), security (bind address, token, request checks), app
(the Starlette application and its server-sent event stream). Everything the page loads (its
script, its style, Plotly's bundle) is served by the app itself.
"""
