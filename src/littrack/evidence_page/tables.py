"""One table per topic: every human study in the store, its head line, and what the articles say of its size.

Pure assembly over a :class:`~littrack.evidence_page.model.Snapshot`. Which papers go where:

- the table: every paper a topic matched that is neither preclinical nor a notice, whether the abstract says
  it studied people or does not say (a not-yet-indexed RCT often does not); retracted papers stay in it;
- preclinical (animal, in vitro) papers: a count and a collapsed list under the table;
- errata and retraction notices that are records of their own: a collapsed list (their content shows in the
  status column of the paper they concern);
- preprints (Europe PMC) whose journal version is not known: a collapsed list of their own, badged as not
  peer-reviewed; once the journal version is in the store the paper's row names its preprint instead.

Rows are sorted by design tier (1 first), then year (newest first), then sample size (largest first), then
PMID. The head line counts RCTs, their participants (where the abstract states n) and systematic reviews,
leaving retracted papers out.
"""

from __future__ import annotations

from collections.abc import Sequence

from littrack.background.documents import BackgroundDoc
from littrack.background.mentions import Mention
from littrack.evidence_page.conditions import topics_for
from littrack.evidence_page.model import EvidenceRow, Headline, PaperFacts, SizeStatement, Snapshot, TopicTable
from littrack.models import Design, Topic, claim_anchor


def row_key(row: EvidenceRow) -> tuple[int, int, int, int]:
    """Design tier, then newest year, then largest n, then highest PMID."""
    n = row.evidence.details.sample_size
    return (row.evidence.tier, -(row.paper.year or 0), -(n if n is not None else -1), -row.paper.pmid)


def headline(rows: Sequence[EvidenceRow]) -> Headline:
    """The topic's head line over ``rows`` (retracted ones are counted apart)."""
    kept = [r for r in rows if not r.retracted]
    rcts = [r for r in kept if r.evidence.design == Design.RCT]
    reviews = [r for r in kept if r.evidence.design == Design.SYSTEMATIC_REVIEW]
    sizes = [r.evidence.details.sample_size for r in rcts]
    years = [r.paper.year for r in (*rcts, *reviews) if r.paper.year]
    return Headline(
        rcts=len(rcts),
        participants=sum(n for n in sizes if n is not None),
        rcts_without_n=sum(n is None for n in sizes),
        reviews=len(reviews),
        latest=max(years) if years else None,
        retracted=len(rows) - len(kept),
    )


def size_statements(
    topic: Topic, topics: Sequence[Topic], mentions: Sequence[Mention], documents: Sequence[BackgroundDoc]
) -> tuple[SizeStatement, ...]:
    """What the background articles say about how much evidence there is on ``topic``: every mention that gives
    a number of trials or patients (not of trials still under way) and whose condition is the topic's."""
    docs = {d.id: d for d in documents}
    out = []
    for m in mentions:
        if not (m.n_trials or m.n_patients) or m.design == "ongoing trial" or m.doc_id not in docs:
            continue
        if topic.id not in topics_for(m.condition, topics):
            continue
        d = docs[m.doc_id]
        out.append(
            SizeStatement(
                article=d.title,
                publisher=d.publisher,
                date_label=d.date_label,
                sentence=m.sentence,
                design=m.design,
                n_trials=m.n_trials,
                n_patients=m.n_patients,
                anchor=claim_anchor(m.key),
            )
        )
    return tuple(out)


def topic_tables(snapshot: Snapshot) -> tuple[TopicTable, ...]:
    """A table per configured topic, in config order (a paper matched by two topics is in both)."""
    marking = snapshot.latest_digest is not None  # before the first digest nothing is "new since" anything
    by_topic: dict[str, list[PaperFacts]] = {t.id: [] for t in snapshot.topics}
    for f in snapshot.facts:
        for t in f.topic_ids:
            if t in by_topic:
                by_topic[t].append(f)
    tables = []
    for topic in snapshot.topics:
        rows = [EvidenceRow(f, new=marking and f.paper.pmid not in snapshot.earlier_pmids) for f in by_topic[topic.id]]
        human = sorted((r for r in rows if _listed(r)), key=row_key)
        tables.append(
            TopicTable(
                topic=topic,
                rows=tuple(human),
                headline=headline(human),
                background=size_statements(topic, snapshot.topics, snapshot.mentions, snapshot.documents),
                preclinical=tuple(sorted((r for r in rows if r.evidence.design == Design.PRECLINICAL), key=row_key)),
                notices=tuple(sorted((r for r in rows if r.evidence.design == Design.NOTICE), key=row_key)),
                preprints=tuple(p for p, topic_ids in snapshot.preprints if topic.id in topic_ids),
            )
        )
    return tuple(tables)


def _listed(row: EvidenceRow) -> bool:
    return row.evidence.design not in (Design.PRECLINICAL, Design.NOTICE) and row.evidence.human is not False
