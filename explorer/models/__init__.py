"""Surrogate models. The only place (with strategies/ and novelty/) that imports torch."""
