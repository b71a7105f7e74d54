"""The figure-data functions never import matplotlib (the data layer draws nothing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_data_functions_never_import_matplotlib(so_run: Path, synthetic_run: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from explorer.analysis.rundata import RunData\n"
        "from explorer.analysis import budget_figure_data as budget, front_figure_data as fronts\n"
        "from explorer.analysis import map_figure_data as maps, spectra_figure_data as spectra\n"
        "from explorer.analysis import trace_figure_data as traces\n"
        f"so, syn = RunData.load(Path({str(so_run)!r})), RunData.load(Path({str(synthetic_run)!r}))\n"
        "maps.library_map_data(so); traces.trace_data(so); budget.time_budget_data(so)\n"
        "spectra.spectra_data(syn)\n"
        "fronts.pareto_data(syn); fronts.hypervolume_data(syn)\n"
        "print('MPL', 'matplotlib' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "MPL False" in proc.stdout
