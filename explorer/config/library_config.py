"""Library geometry in the YAML: grids, composition maps, outlines, keep-outs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from explorer.config.replay import DatasetLibrary
from explorer.config.strict_base import (
    XY,
    NonNegFloat,
    PositiveFloat,
    PositiveInt,
    Range,
    Strict,
    ordered,
)
from explorer.library import (
    CandidateSet,
    Circle,
    CompositionMap,
    LinearGradient,
    Polygon,
    Rect,
    Region,
    TernarySources,
    TernaryTriangle,
    build_library,
    grid_positions,
)


class RectRegion(Strict):
    kind: Literal["rect"]
    x_mm: Range
    y_mm: Range

    _x = field_validator("x_mm")(lambda v: ordered(v, "x_mm"))
    _y = field_validator("y_mm")(lambda v: ordered(v, "y_mm"))

    def build(self) -> Region:
        return Rect(self.x_mm, self.y_mm)


class CircleRegion(Strict):
    kind: Literal["circle"]
    center_mm: XY
    radius_mm: PositiveFloat

    def build(self) -> Region:
        return Circle(self.center_mm, self.radius_mm)


class PolygonRegion(Strict):
    kind: Literal["polygon"]
    vertices_mm: Annotated[list[XY], Field(min_length=3)]

    def build(self) -> Region:
        return Polygon(tuple(self.vertices_mm))


RegionConfig = Annotated[RectRegion | CircleRegion | PolygonRegion, Field(discriminator="kind")]


class LinearComposition(Strict):
    """Binary spread: the fraction of `element` goes linearly from range[0] to range[1] along
    `axis`, over the library's extent on that axis (or `span_mm` if given)."""

    kind: Literal["linear"]
    element: str
    axis: Literal["x", "y"] = "x"
    range: Range = (0.0, 1.0)
    span_mm: Range | None = None
    profile: Literal["linear", "sigmoid"] = "linear"

    @field_validator("range")
    @classmethod
    def _fractions(cls, v: Range) -> Range:
        if not all(0.0 <= f <= 1.0 for f in v) or v[0] == v[1]:
            raise ValueError(f"range must be two different fractions in [0, 1], got {list(v)}")
        return v

    def build(self, x_mm: Range, y_mm: Range) -> CompositionMap:
        axis = 0 if self.axis == "x" else 1
        span = self.span_mm or (x_mm if axis == 0 else y_mm)
        return LinearGradient(self.element, axis, span, self.range, self.profile)


class TernaryComposition(Strict):
    """Ternary spread over a triangle whose corners are the pure end members."""

    kind: Literal["ternary"]
    elements: tuple[str, str, str]
    corners_mm: tuple[XY, XY, XY]

    def build(self, x_mm: Range, y_mm: Range) -> CompositionMap:
        return TernaryTriangle(self.elements, self.corners_mm)


class TernarySourcesComposition(Strict):
    """Ternary co-deposition from three sources; flux ∝ exp(−distance/decay_mm)."""

    kind: Literal["ternary_sources"]
    elements: tuple[str, str, str]
    sources_mm: tuple[XY, XY, XY]
    decay_mm: PositiveFloat

    def build(self, x_mm: Range, y_mm: Range) -> CompositionMap:
        return TernarySources(self.elements, self.sources_mm, self.decay_mm)


CompositionConfig = Annotated[
    LinearComposition | TernaryComposition | TernarySourcesComposition, Field(discriminator="kind")
]


class GridLibrary(Strict):
    """A rectangular nx × ny grid of locations over [x_mm] × [y_mm] (ids are row-major)."""

    kind: Literal["grid"]
    x_mm: Range
    y_mm: Range
    shape: tuple[PositiveInt, PositiveInt]
    composition: CompositionConfig | None = None
    outline: RegionConfig | None = None
    edge_margin_mm: NonNegFloat = 0.0
    keep_out: list[RegionConfig] = Field(default_factory=list)
    features: Literal["composition", "position", "both"] = "composition"

    _x = field_validator("x_mm")(lambda v: ordered(v, "x_mm"))
    _y = field_validator("y_mm")(lambda v: ordered(v, "y_mm"))

    @field_validator("shape")
    @classmethod
    def _size(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] * v[1] > 1_000_000:
            raise ValueError(f"shape {list(v)} has more than 1,000,000 locations")
        return v

    def build(self) -> CandidateSet:
        ids, pos = grid_positions(self.x_mm, self.y_mm, self.shape)
        comp = self.composition.build(self.x_mm, self.y_mm) if self.composition else None
        feature_mode = self.features if comp is not None else "position"
        return build_library(
            ids,
            pos,
            composition=comp,
            outline=self.outline.build() if self.outline else Rect(self.x_mm, self.y_mm),
            edge_margin_mm=self.edge_margin_mm,
            keep_outs=[r.build() for r in self.keep_out],
            feature_mode=feature_mode,
        )

    @property
    def extent_mm(self) -> tuple[Range, Range]:
        return self.x_mm, self.y_mm

    def drawn_outline(self) -> Region:
        """The outline a map draws: the configured one, else the triangle of a ternary spread
        (points outside it are not part of the library), else the grid rectangle."""
        if self.outline is not None:
            return self.outline.build()
        if isinstance(self.composition, TernaryComposition):
            return Polygon(tuple(self.composition.corners_mm))
        return Rect(self.x_mm, self.y_mm)


LibraryConfig = Annotated[GridLibrary | DatasetLibrary, Field(discriminator="kind")]
