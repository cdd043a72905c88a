"""Corrections to papers already sent: new retraction, erratum, expression-of-concern and update links.

Compares two states of the same PubMed record (what we stored, what EFetch returns now) and says what
changed, one line each, for the digest's "Changes to papers you were sent". No network or store access.
"""

from __future__ import annotations

from littrack.models import ChangeKind, CommentCorrection, Paper, PaperChange

RETRACTED_TYPE = "Retracted Publication"

# RefType → (what happened, what the linked record is), in the order a reader should see them.
WATCHED: dict[str, tuple[str, str]] = {
    "RetractionIn": ("Retracted", "retraction notice"),
    "ExpressionOfConcernIn": ("Expression of concern", "notice"),
    "ErratumIn": ("Erratum published", "correction"),
    "UpdateIn": ("Updated version published", "update"),
}


def is_retracted(paper: Paper) -> bool:
    """True when PubMed marks the paper retracted (publication type or a RetractionIn link)."""
    return RETRACTED_TYPE in paper.publication_types or any(
        c.ref_type == "RetractionIn" for c in paper.comments_corrections
    )


def describe(link: CommentCorrection) -> str:
    """'Retracted — see retraction notice PMID 123 (J Foo 2019;3:4)'."""
    what, notice = WATCHED[link.ref_type]
    ref = " ".join(
        part for part in (f"PMID {link.pmid}" if link.pmid else "", f"({link.source})" if link.source else "") if part
    )
    return f"{what} — see {notice} {ref}" if ref else what


def _key(link: CommentCorrection) -> tuple[str, int | None, str]:
    return (link.ref_type, link.pmid, link.source.strip())


def detect_changes(old: Paper | None, new: Paper) -> tuple[PaperChange, ...]:
    """Changes in ``new`` that ``old`` did not have; with ``old=None`` every watched link counts.

    A newly added "Retracted Publication" type is reported only when no new RetractionIn link already
    says so, so one retraction gives one line.
    """
    seen = {_key(c) for c in old.comments_corrections} if old else set()
    fresh = [c for c in new.comments_corrections if c.ref_type in WATCHED and _key(c) not in seen]
    fresh = list(dict.fromkeys(fresh))  # PubMed occasionally repeats a link verbatim
    order = list(WATCHED)
    fresh.sort(key=lambda c: order.index(c.ref_type))
    changes = [
        PaperChange(
            pmid=new.pmid,
            title=new.title,
            kind=ChangeKind(c.ref_type),
            description=describe(c),
            notice_pmid=c.pmid,
            notice_source=c.source,
        )
        for c in fresh
    ]
    newly_retracted = RETRACTED_TYPE in new.publication_types and (
        old is None or RETRACTED_TYPE not in old.publication_types
    )
    if newly_retracted and not any(c.ref_type == "RetractionIn" for c in fresh):
        changes.insert(
            0,
            PaperChange(
                pmid=new.pmid,
                title=new.title,
                kind=ChangeKind.RETRACTED_PUBLICATION,
                description="Retracted — PubMed now marks this paper as a retracted publication",
            ),
        )
    return tuple(changes)
