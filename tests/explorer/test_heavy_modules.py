"""heavy(): reaches an attribute of a listed heavy module on first use, and refuses modules
that are not on the list (so lazily reached modules stay in one place)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from explorer.heavy_modules import HEAVY_MODULES, LAZY_PACKAGES, heavy
from tests.conftest import REPO


def test_a_listed_module_is_imported_on_first_use() -> None:
    code = (
        "import sys\n"
        "from explorer.heavy_modules import heavy\n"
        "assert 'explorer.analysis.run_compare' not in sys.modules\n"
        "fn = heavy('explorer.analysis.run_compare', 'compare_runs')\n"
        "assert callable(fn) and 'pandas' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_an_unlisted_module_is_refused_with_the_list_named() -> None:
    with pytest.raises(ValueError, match=r"explorer\.library is not in .*HEAVY_MODULES"):
        heavy("explorer.library", "CandidateSet")


def test_every_heavy_module_is_made_heavy_by_a_lazy_package() -> None:
    assert set(HEAVY_MODULES.values()) <= set(LAZY_PACKAGES)
