"""Decision rules. Each is a pure function of (candidates, observations, n, rng, context).

Kinds are registered only through the pydantic discriminated union in explorer.config.
"""

from explorer.strategies.base import Strategy, SuggestContext, Suggestion

__all__ = ["Strategy", "SuggestContext", "Suggestion"]
