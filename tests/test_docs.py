"""The README stays true: every setting is documented with its real default, and the two set-up
commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from searchsvc.config import describe

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default():
    rows = dict(re.findall(r"^\| `(SEARCHSVC_\w+)` \|\s*`?([^|`]*?)`?\s*\|", README, re.M))
    for var, default, _help in describe():
        assert var in rows, f"{var} is not in the README's configuration table"
        assert rows[var].strip() == default, f"{var}: README says {rows[var]!r}, code {default!r}"


def test_ci_runs_the_readme_test_command():
    assert "bash scripts/test.sh" in README
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_start_command_starts_the_service():
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert any("searchsvc serve" in b and "pip install" in b for b in blocks)


def test_reliability_claims_name_tests_that_exist():
    """Every `tests/test_x.py::name` RELIABILITY.md cites as proof is a real function there."""
    text = (ROOT / "RELIABILITY.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"(test_\w+\.py)::(\w+)", text))
    assert cited, "RELIABILITY.md cites no tests"
    for filename, name in cited:
        source = (ROOT / "tests" / filename).read_text(encoding="utf-8")
        assert re.search(rf"^(?:async )?def {name}\b|^class {name}\b|^{name} = ", source, re.M), (
            f"RELIABILITY.md cites {filename}::{name}, which does not exist"
        )


def test_configuration_table_is_the_settings_word_for_word():
    """The README's table is ``searchsvc config --markdown``: every row, default and meaning."""
    from searchsvc.config import markdown_table

    assert markdown_table() in README, "regenerate it: searchsvc config --markdown"
