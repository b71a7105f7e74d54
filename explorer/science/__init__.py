"""Reproducible scientific checks (run by `make check-science`; each prints its table)."""
