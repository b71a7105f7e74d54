"""House style: figures are Agg figures outside pyplot, saved in the suffix's format with the
title in the metadata, byte-identical as PDF and without a date as SVG, and unknown formats are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from explorer.plots.style import RC, figure, save


def _drawn():  # type: ignore[no-untyped-def]
    fig = figure(3.0, 2.0)
    fig.add_subplot().plot([0, 1, 2], [1, 0, 2])
    return fig


def test_figures_are_not_registered_with_pyplot() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = _drawn()
    assert plt.get_fignums() == before
    assert fig.get_size_inches().tolist() == [3.0, 2.0]


def test_png_has_the_size_and_the_title(tmp_path: Path) -> None:
    path = save(_drawn(), tmp_path / "f.png", metadata_title="loop map", dpi=100)
    with Image.open(path) as img:
        assert img.size == (300, 200)
        assert img.info.get("Title") == "loop map"


def test_pdf_output_is_deterministic(tmp_path: Path) -> None:
    a = save(_drawn(), tmp_path / "a.pdf").read_bytes()
    b = save(_drawn(), tmp_path / "b.pdf").read_bytes()
    assert a == b and len(a) > 1000


def test_svg_output_has_no_date(tmp_path: Path) -> None:
    text = save(_drawn(), tmp_path / "a.svg", metadata_title="t").read_text()
    assert "<dc:date>" not in text and "<dc:title>t</dc:title>" in text


def test_default_dpi_is_the_house_dpi(tmp_path: Path) -> None:
    with Image.open(save(_drawn(), tmp_path / "d.png")) as img:
        assert img.size[0] == round(3.0 * RC["savefig.dpi"])


def test_unknown_formats_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported figure format 'bmp'"):
        save(_drawn(), tmp_path / "f.bmp")
    assert not (tmp_path / "f.bmp").exists()
