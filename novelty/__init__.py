"""Models that decide what is "interesting": curiosity error models and novelty scorers."""
