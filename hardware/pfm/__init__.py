"""PFM physics: switching-spectroscopy loops, their fitting, and simulated sample libraries."""
