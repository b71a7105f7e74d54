"""Ternary composition-spread library in a MATLAB .mat file (nist-combi-ternary: Fe-Co-Ni).

Source arrays (`scipy.io.loadmat`): `C` (n, 3) composition in at.% (Fe, Co, Ni), `XRD` (n, L)
intensities over `TTH` (1, L) 2θ in degrees, `Coer` (n, 1) coercivity in mT and `Kerr` (n, 1)
Kerr rotation in mrad.

The file holds no stage positions, so they are chosen here: the ternary triangle layout of a
composition spread, i.e. each library location sits at the barycentric point of its composition
in an equilateral triangle of side `side_mm` (default 40 mm) with the pure-Fe corner at (0, 0),
pure Co at (side, 0) and pure Ni at (side/2, side·√3/2). Features are the three fractions
(Fe, Co, Ni; they sum to 1). Channel `xrd`: `intensity` over axis `two_theta_deg`; scalars
`coercivity_mt` and `kerr_rotation_mrad` (read with `from: scalar`). Timing is nominal for an
XRD + MOKE point on a wafer stage (not PFM).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.datasets.common import (
    KnownFile,
    OptionValue,
    parse_options,
    provenance_for,
)
from explorer.datasets.layouts import triangle_positions
from explorer.errors import DatasetError
from hardware.replay import Axis, Channel, DataArray, LibraryDataset

FORMAT = "mat_ternary"
KNOWN = (
    KnownFile(
        sha256="aaee4ddb6cf711e789e1edd6358145746611b273cecf2257699ea057d5feb1dc",
        name="nist-feconi",
        source="usnistgov/remi @ 596b04435fb577175264a70c4434f5539b809510, data/Combinatorial "
        "Libraries/Fe-Co-Ni/FeCoNi_benchmark_dataset_220501a.mat",
        license="none stated (NIST-authored work, normally not subject to US copyright); "
        "internal use, cite the papers",
        citation="Wang et al., arXiv:2204.05838 (2022); Yoo et al., Intermetallics 14, 241 (2006)",
    ),
)
ELEMENTS = ("Fe", "Co", "Ni")
TIMING = {
    "move_fixed_s": 5.0,
    "stage_speed_mm_per_s": 1.0,
    "approach_s": 0.0,
    "approach_jitter": 0.0,
    "tune_s": 0.0,
    "settle_s": 2.0,
    "measure_s": 60.0,
    "overhead_s": 0.0,
}


@dataclass(frozen=True)
class Options:
    side_mm: float = 40.0
    license: str = ""


def detect(path: Path) -> bool:
    if path.suffix.lower() != ".mat":
        return False
    import scipy.io  # noqa: PLC0415

    try:
        names = {n for n, _, _ in scipy.io.whosmat(path)}
    except (OSError, ValueError):
        return False
    return {"C", "XRD", "TTH", "Coer", "Kerr"} <= names


def convert(path: Path, options: dict[str, OptionValue]) -> LibraryDataset:
    opts = parse_options(Options, options, FORMAT)
    if opts.side_mm <= 0:
        raise DatasetError(f"option side_mm={opts.side_mm} must be > 0")
    import scipy.io  # noqa: PLC0415

    try:
        m = scipy.io.loadmat(path)
        comp, xrd = np.asarray(m["C"], float), np.asarray(m["XRD"], float)
        tth = np.asarray(m["TTH"], float).ravel()
        coer, kerr = np.asarray(m["Coer"], float).ravel(), np.asarray(m["Kerr"], float).ravel()
    except (OSError, ValueError, KeyError) as exc:
        raise DatasetError(f"{path}: not a readable ternary .mat file ({exc})") from None
    if comp.ndim != 2 or comp.shape[1] != 3:
        raise DatasetError(f"{path}: C must be (n, 3) compositions, got {comp.shape}")
    fractions = comp / comp.sum(axis=1, keepdims=True)
    pos = triangle_positions(fractions, opts.side_mm)
    name, source, lic, citation, digest = provenance_for(path, KNOWN, opts.license)
    return LibraryDataset(
        name=name,
        source=source,
        license=lic,
        citation=citation,
        description="Fe-Co-Ni composition spread: XRD, coercivity, Kerr rotation; positions "
        f"from a ternary triangle layout of side {opts.side_mm:g} mm",
        positions_mm=pos,
        features=fractions,
        feature_names=ELEMENTS,
        channels={
            "xrd": Channel(
                {"intensity": DataArray(xrd, "counts", ("two_theta_deg",), "XRD pattern")},
                {"two_theta_deg": Axis(tth, "deg", "diffraction angle 2θ")},
                kind="spectrum",
                description="X-ray diffraction",
            )
        },
        scalars={
            "coercivity_mt": DataArray(coer, "mT", description="magnetic coercivity"),
            "kerr_rotation_mrad": DataArray(kerr, "mrad", description="Kerr rotation"),
        },
        timing=TIMING,
        provenance={
            "converter": FORMAT,
            "source_sha256": digest,
            "side_mm": opts.side_mm,
            "layout": "ternary triangle: Fe (0, 0), Co (side, 0), Ni (side/2, side·√3/2)",
        },
    )
