"""Reading what was appended to an operator line file: complete lines only, numbered from 1,
after the lines the log says were consumed."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.engine.line_files import append_line, new_lines


def test_only_complete_lines_after_the_consumed_ones(tmp_path: Path) -> None:
    path = tmp_path / "queue.txt"
    path.write_text("17\n\n# note\n42 x_mm=1\n5", encoding="utf-8")  # "5" is still being typed
    assert new_lines(path, 0) == [(1, "17"), (2, ""), (3, "# note"), (4, "42 x_mm=1")]
    assert new_lines(path, 3) == [(4, "42 x_mm=1")]
    assert new_lines(path, 4) == []
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n")
    assert new_lines(path, 4) == [(5, "5")]


def test_a_missing_file_has_no_lines(tmp_path: Path) -> None:
    assert new_lines(tmp_path / "votes.txt", 0) == []


def test_append_never_glues_a_line_to_an_unterminated_one(tmp_path: Path) -> None:
    path = tmp_path / "votes.txt"
    append_line(path, "17 bad")
    path.write_text(path.read_text() + "18 good", encoding="utf-8")  # a hand edit, no newline
    append_line(path, "19 bad")
    assert path.read_text(encoding="utf-8") == "17 bad\n18 good\n19 bad\n"
    with pytest.raises(ValueError, match="line break"):
        append_line(path, "20 bad\r21 good")
