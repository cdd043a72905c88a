"""The plain-text listing behind ``littrack background``: documents, their passages and the studies they mention."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence

from littrack.background.documents import BackgroundDoc
from littrack.background.mentions import Mention
from littrack.background.passages import BODY, COMMENT, FURNITURE, Passage

NOT_EVIDENCE = "Background articles, not peer-reviewed evidence."


def describe_documents(
    docs: Sequence[BackgroundDoc],
    passages: Iterable[Passage],
    mentions: Iterable[Mention],
    show_passages: bool = False,
) -> str:
    """One block per document: title, publisher, date, provenance, passage counts, then its study mentions.

    With ``show_passages``, every passage is listed too (id, kind, opening words).
    """
    kinds: dict[str, Counter[str]] = {d.id: Counter() for d in docs}
    listed: dict[str, list[Passage]] = {}
    for p in passages:
        kinds.setdefault(p.doc_id, Counter())[p.kind] += 1
        listed.setdefault(p.doc_id, []).append(p)
    by_doc: dict[str, list[Mention]] = {}
    for m in mentions:
        by_doc.setdefault(m.doc_id, []).append(m)
    lines = [f"{len(docs)} background document{'s' if len(docs) != 1 else ''}. {NOT_EVIDENCE}"]
    for d in docs:
        counts = kinds.get(d.id, Counter())
        origin = "shipped with littrack" if d.shipped else str(d.path)
        lines += [
            "",
            f"{d.id}: {d.title}",
            f"  {', '.join(x for x in (d.publisher, d.date_label) if x) or 'publisher and date unknown'} ({origin})",
            f"  source: {d.source_note}",
            f"  passages: {counts[BODY]} body, {counts[COMMENT]} reader comments, {counts[FURNITURE]} page furniture",
        ]
        if show_passages:
            for p in listed.get(d.id, []):
                opening = p.text if len(p.text) <= 80 else p.text[:79].rsplit(" ", 1)[0] + "…"
                lines.append(f"    [{p.index:>2}] {p.kind:<9} {opening}")
        found = by_doc.get(d.id, [])
        lines.append(f"  studies mentioned: {len(found) or 'none found'}")
        for m in found:
            lines.append(f"    - {m.description}")
            lines += textwrap.wrap(f"“{m.sentence}”", width=100, initial_indent="      ", subsequent_indent="      ")
    return "\n".join(lines) + "\n"
