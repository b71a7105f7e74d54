"""Every plot's data-extraction function, checked against the event log it reads (no
matplotlib is needed or imported here; see test_data_functions_never_import_matplotlib)."""

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
        "from explorer.plots import budget, fronts, maps, spectra, traces\n"
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
