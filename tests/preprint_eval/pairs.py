"""The preprint ↔ published pairs littrack can build from its recordings, and the matcher's precision on them.

Real data only, except where marked SYNTHETIC:

* **Real non-pairs (hard negatives).** The 24 real preprints of the recorded Europe PMC page against (a) every
  recorded PubMed record (``recorded_path("pubmed")``) and (b) the 976 journal records of the same Europe PMC page:
  the same query ("cancer"), the same weeks (June 2025), the same common surnames (Wang, Li, Liu, Zhang …). None
  of these records is the published version of one of those preprints (checked by DOI and title by hand; the
  preprints were two weeks old when recorded), so every link the matcher proposes here is a false link.
* **Real identifier pairs.** The recorded PubMed records whose ``UpdateOf`` link names a preprint DOI (PubMed's own
  statement that the paper is the published version) and the recorded Crossref ``has-preprint`` relation. The
  preprints' own records were not recorded, so the preprint side is a SYNTHETIC record carrying only the real DOI.
* **SYNTHETIC positives (stress test, not a precision figure).** Each real preprint against a copy of itself as a
  "journal version" whose title was changed the way journals change titles (case and punctuation, a dropped
  subtitle, one word replaced, the year moved on by one). They measure recall under those edits; they say nothing
  about real-world recall.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from littrack.models import Author, Paper, PartialDate, Preprint
from littrack.replay.sources import CROSSREF_WORK_LIST, PREPRINT_PAGE, recorded
from littrack.sources.crossref import parse_works
from littrack.sources.europepmc import parse_preprints
from littrack.sources.match import LinkMethod, doi_key, find_links, title_match, update_of_dois

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from background_eval.recorded_papers import recorded_papers


@lru_cache(maxsize=1)
def real_preprints() -> tuple[Preprint, ...]:
    return tuple(parse_preprints(json.loads(recorded(PREPRINT_PAGE))))


def _epmc_paper(record: dict[str, object], index: int) -> Paper | None:
    """A journal record of the Europe PMC page as a Paper: title, first author, year, DOI (all real)."""
    if record.get("source") == "PPR" or not record.get("title"):
        return None
    first = str(record.get("authorString") or "").split(",")[0].strip().rstrip(".")
    parts = first.split()
    surname = " ".join(parts[:-1]) if len(parts) > 1 and parts[-1].isupper() else first
    year = str(record.get("pubYear") or "")
    pmid = str(record.get("pmid") or "")
    return Paper(
        pmid=int(pmid) if pmid.isdigit() else 10**9 + index,
        title=str(record["title"]),
        authors=(Author(last_name=surname),) if surname else (),
        pub_date=PartialDate(year=int(year)) if year.isdigit() else PartialDate(),
        doi=str(record["doi"]).lower() if record.get("doi") else None,
    )


@lru_cache(maxsize=1)
def europepmc_journal_records() -> tuple[Paper, ...]:
    page = json.loads(recorded(PREPRINT_PAGE))
    out = (_epmc_paper(r, i) for i, r in enumerate(page["resultList"]["result"]))
    return tuple(p for p in out if p is not None)


@lru_cache(maxsize=1)
def pubmed_records() -> tuple[Paper, ...]:
    return tuple(recorded_papers().values())


# --- identifier pairs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentifierPair:
    preprint: Preprint  # SYNTHETIC record holding the real preprint DOI
    pmid: int  # the real published record
    method: LinkMethod


def identifier_pairs() -> list[IdentifierPair]:
    pairs = []
    for paper in pubmed_records():
        for doi in sorted(update_of_dois(paper)):
            pp = Preprint(id=f"SYNTHETIC-{doi}", title="(preprint record not recorded)", server="?", doi=doi)
            pairs.append(IdentifierPair(pp, paper.pmid, LinkMethod.PUBMED))
    return pairs


def crossref_relation_pairs() -> list[tuple[str, str]]:
    """(preprint DOI, journal DOI) from the recorded Crossref work list's has-preprint relations."""
    works = parse_works(json.loads(recorded(CROSSREF_WORK_LIST)))
    return [(k, w.doi) for w in works for d in w.has_preprint if (k := doi_key(d))]


# --- SYNTHETIC positives ---------------------------------------------------------------------------------


def _drop_subtitle(title: str) -> str:
    head = re.split(r":\s", title, maxsplit=1)[0]
    return head if head != title else title


def _replace_one_word(title: str) -> str:
    words = title.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    words[longest] = "revisited"
    return " ".join(words)


EDITS = {
    "identical": lambda t: t,
    "case and punctuation": lambda t: re.sub(r"[:,;.]", "", t).lower().capitalize() + ".",
    "subtitle dropped": _drop_subtitle,
    "one word replaced": _replace_one_word,
}


def synthetic_journal_version(pp: Preprint, edit: str, pmid: int) -> Paper:
    """SYNTHETIC: the preprint dressed as its own journal version, title edited, a year later."""
    surname = pp.first_author_surname
    return Paper(
        pmid=pmid,
        title=EDITS[edit](pp.title),
        authors=(Author(last_name=surname),),
        pub_date=PartialDate(year=(pp.year or 2025) + 1),
    )


# --- the measurement -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    negatives_pairs: int  # real (preprint, record) pairs compared
    negatives_same_surname: int  # of which the first author's surname and the year window agree
    false_links: int
    best_negative_similarity: float
    identifier_pairs: int
    identifier_found: int
    synthetic_recall: dict[str, tuple[int, int]]  # edit → (found, of)


def measure() -> Figures:
    from littrack.sources.match import fold, title_similarity

    preprints = real_preprints()
    negatives = [*pubmed_records(), *europepmc_journal_records()]
    false_links = same = 0
    best = 0.0
    for pp in preprints:
        surname = fold(pp.first_author_surname)
        for paper in negatives:
            if paper.authors and fold(paper.authors[0].last_name or "") == surname:
                same += 1
                best = max(best, title_similarity(pp.title, paper.title_plain))
        false_links += sum(1 for _ in filter(None, [title_match(pp, negatives)]))
    pairs = identifier_pairs()
    found = 0
    for pair in pairs:
        links = find_links([pair.preprint], list(pubmed_records()))
        found += any(link.pmid == pair.pmid and link.method == pair.method for link in links)
    recall: dict[str, tuple[int, int]] = {}
    for edit in EDITS:
        hits = 0
        for i, pp in enumerate(preprints):
            version = synthetic_journal_version(pp, edit, pmid=900_000_000 + i)
            links = find_links([dataclasses.replace(pp, doi=None)], [*negatives, version])
            hits += any(link.pmid == version.pmid for link in links)
        recall[edit] = (hits, len(preprints))
    return Figures(
        negatives_pairs=len(preprints) * len(negatives),
        negatives_same_surname=same,
        false_links=false_links,
        best_negative_similarity=round(best, 3),
        identifier_pairs=len(pairs),
        identifier_found=found,
        synthetic_recall=recall,
    )
