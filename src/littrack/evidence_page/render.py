"""The evidence page as HTML (the digests' Jinja2 environment and escaping rules) and as CSV.

Pure functions: a page in, a string out. CSV cells go through :func:`littrack.export.csv_cell`, the one
defence against spreadsheet formula injection, and every cell is quoted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from littrack.digest.render import change_label, environment
from littrack.evidence_page.model import EvidencePage, EvidenceRow
from littrack.export import csv_cell

CSV_COLUMNS = (
    "topic_id",
    "topic",
    "listed_as",
    "new",
    "year",
    "pmid",
    "doi",
    "pmcid",
    "free_full_text",
    "title",
    "first_author",
    "journal",
    "design",
    "design_label",
    "tier",
    "evidence_source",
    "n",
    "population",
    "setting",
    "drug",
    "route",
    "regimen",
    "follow_up",
    "conclusion",
    "trials",
    "status",
    "corrections",
    "notice_pmids",
    "url",
)


def render_evidence_html(page: EvidencePage) -> str:
    """The self-contained evidence page."""
    return environment().get_template("evidence.html").render(page=page)


def evidence_csv(page: EvidencePage, *, topic_id: str | None = None, since: dt.date | None = None) -> str:
    """The page's rows as CSV, one per (topic, paper): the table rows, then preclinical papers, then notices.

    ``topic_id`` keeps one topic's rows; ``since`` the papers first seen on or after that date.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for table in page.tables:
        if topic_id is not None and table.topic.id != topic_id:
            continue
        listed = (("study table", table.rows), ("preclinical", table.preclinical), ("notice", table.notices))
        for label, rows in listed:
            for row in rows:
                if since is not None and row.facts.first_seen_at[:10] < since.isoformat():
                    continue
                cells = {"topic_id": table.topic.id, "topic": table.topic.name, "listed_as": label, **_cells(row)}
                writer.writerow({k: csv_cell(v) for k, v in cells.items()})
    return buffer.getvalue()


def csv_rows(text: str) -> int:
    """Data rows in a CSV written by :func:`evidence_csv` (for the command's summary line)."""
    return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)


def _cells(row: EvidenceRow) -> dict[str, object]:
    p, ev = row.paper, row.evidence
    return {
        "new": "yes" if row.new else "no",
        "year": p.year or "",
        "pmid": p.pmid,
        "doi": p.doi or "",
        "pmcid": p.pmcid or "",
        "free_full_text": row.facts.open_access.url if row.facts.open_access else "",
        "title": p.title_plain,
        "first_author": row.first_author,
        "journal": p.journal or "",
        "design": ev.design,
        "design_label": ev.display,
        "tier": ev.tier,
        "evidence_source": ev.source_note,
        "n": ev.details.sample_size if ev.details.sample_size is not None else "",
        "population": row.population,
        "setting": row.setting.rstrip("†"),
        "drug": row.drugs,
        "route": row.routes,
        "regimen": row.regimen,
        "follow_up": row.follow_up,
        "conclusion": row.conclusion,
        "trials": "; ".join(row.facts.trial_ids),
        "status": row.status or "none known",
        "corrections": "; ".join(f"{change_label(c.kind)}: {c.description}" for c in row.facts.corrections),
        "notice_pmids": "; ".join(str(c.notice_pmid) for c in row.facts.corrections if c.notice_pmid),
        "url": p.pubmed_url,
    }
