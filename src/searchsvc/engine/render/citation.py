"""Citations: how a hit is credited when a reporter quotes it.

"Xu Nanping, SCIO briefing on … (China.org.cn, 2020-03-28), ¶7" with a permalink to the paragraph
anchor of the document view, which answers both browsers and JSON clients.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..models import Citation


def permalink(doc_id: str, paragraph: int) -> str:
    return f"/documents/{quote(doc_id, safe='')}#p{paragraph}"


def cite(document: dict[str, Any], paragraph: int, speaker: str | None = None) -> Citation:
    title = document.get("title") or document.get("id") or "Untitled"
    where = ", ".join(str(v) for v in (document.get("source"), document.get("date")) if v)
    text = f"{speaker}, {title}" if speaker else title
    if where:
        text += f" ({where})"
    text += f", ¶{paragraph}"
    return Citation(text=text, url=permalink(document["id"], paragraph))
