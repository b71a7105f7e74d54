"""The campaign's recommendation (explorer.models.recommend) as the runner logs it and the CLI,
report and plots read it: `recommended` events, written by the runner every
`output.recommend_every` measurements and when the run stops."""

from __future__ import annotations

from collections.abc import Sequence

from explorer.constraints import user_columns
from explorer.engine.campaign import Campaign
from explorer.engine.events import Event, Recommended
from explorer.models.recommend import MeasuredData, Recommendation, RecommendedPoint, recommend


def campaign_data(campaign: Campaign) -> MeasuredData:
    """The campaign's measurements in the form the recommendation needs (user units); the
    positions are the locations' library positions (a recommendation names a location, not
    where the stage happened to settle when it was measured)."""
    obs = campaign.observations
    objs = campaign.objectives
    cols = user_columns(obs, objs)
    Y = obs.Y * [o.sign for o in objs] if len(obs) else obs.Y
    library = campaign.library
    return MeasuredData(
        obs.ids.copy(),
        library.positions_mm[library.index_of(obs.ids)].copy(),
        campaign.library.unit_features(obs.X),
        tuple((o.name, o.direction) for o in objs),
        Y,
        cols,
    )


def recommend_campaign(campaign: Campaign) -> Recommendation:
    return recommend(campaign_data(campaign), campaign.constraints)


def to_event(rec: Recommendation) -> Recommended:
    return Recommended(
        n_measured=rec.n_measured,
        points=[p.to_dict() for p in rec.points],
        observed_best={k: dict(v) for k, v in rec.observed_best.items()},
        n_infeasible=rec.n_infeasible,
        reason=rec.reason,
    )


def from_event(ev: Recommended) -> Recommendation:
    return Recommendation(
        tuple(RecommendedPoint.from_dict(p) for p in ev.points),
        {k: dict(v) for k, v in ev.observed_best.items()},
        ev.n_measured,
        ev.n_infeasible,
        ev.reason,
    )


def last_logged(events: Sequence[Event]) -> Recommendation | None:
    """The most recent `recommended` event of a log, if any."""
    for ev in reversed(events):
        if isinstance(ev, Recommended):
            return from_event(ev)
    return None
