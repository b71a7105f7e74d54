"""`python -m explorer.cli ...` is the same as the `explorer` command."""

from explorer.cli import entry

entry()
