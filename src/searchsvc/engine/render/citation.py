"""Citations: how a hit is credited when a reporter quotes it.

A newsroom credits the words to whoever said them and the piece to whoever wrote it:

* a speaker's paragraph (a transcript turn, a statement): "Xu Nanping, SCIO briefing on …
  (China.org.cn, 2020-03-28), ¶7" — the speaker, then the record it is in;
* a paragraph quoting someone in a written piece: "Jane Roe, quoted by Ana Reporter, Title
  (Daily Example, 2024-04-12), ¶3";
* any other paragraph of a written piece: "Ana Reporter and Ben Writer, Title (Daily Example,
  2024-04-12), ¶3" — the authors, as a byline names them;
* a paragraph with neither: "Title (Source, date), ¶N".

Each comes with a permalink to the paragraph anchor of the document view, which answers both
browsers and JSON clients.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..models import Citation


def permalink(doc_id: str, paragraph: int) -> str:
    return f"/documents/{quote(doc_id, safe='')}#p{paragraph}"


def credit(authors: list[str] | str | None) -> str | None:
    """ "Ana Reporter", "Ana Reporter and Ben Writer", "A, B and C"."""
    if not authors:
        return None
    if isinstance(authors, str):
        return authors
    names = [a for a in authors if a]
    if len(names) <= 1:
        return names[0] if names else None
    return ", ".join(names[:-1]) + " and " + names[-1]


def cite(
    document: dict[str, Any],
    paragraph: int,
    speaker: str | None = None,
    role: str | None = None,
) -> Citation:
    title = document.get("title") or document.get("id") or "Untitled"
    where = ", ".join(str(v) for v in (document.get("source"), document.get("date")) if v)
    writers = credit(document.get("author"))
    if speaker and role == "quoted" and writers:
        text = f"{speaker}, quoted by {writers}, {title}"
    elif speaker:
        text = f"{speaker}, {title}"
    elif writers:
        text = f"{writers}, {title}"
    else:
        text = title
    if where:
        text += f" ({where})"
    text += f", ¶{paragraph}"
    return Citation(text=text, url=permalink(document["id"], paragraph))
