"""Record what the committed old-layout index answers (tests/data/index-v1-expected.json, and
its related passages in index-v1-related.json).

tests/test_index_compat.py opens ``tests/data/index-v1`` — an index written before the engine's
packages moved, whose schema pickles name the old module paths — and compares its answers with
this file. Run it again only when a deliberate change alters answers (ranking, snippets):
``.venv/bin/python scripts/index_fixture_expected.py``.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from index_compat import QUERIES, answers, related_answers  # noqa: E402

if __name__ == "__main__":
    src = ROOT / "tests" / "data" / "index-v1"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ix"
        shutil.copytree(src, root, symlinks=True)
        out = answers(root)
        related = related_answers(root)
    for name, data in (("index-v1-expected.json", out), ("index-v1-related.json", related)):
        path = src.parent / name
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print({q: out[q]["total"] for q in QUERIES}, out["_stats"])
