"""Relate papers to background body passages with a local, deterministic BM25 similarity.

Method: Okapi BM25 term weights (k1=1.2, b=0.75, IDF from the body passages) on both sides, compared
by cosine. Plain BM25 scores grow with the length of the query (an abstract), so no single threshold
would fit every paper; the cosine of BM25-weighted vectors lies in [0, 1] and one calibrated threshold
(``DEFAULT_THRESHOLD``, chosen on tests/background_eval/relation_pairs.json) works across papers.
IDF comes from the passages plus a shipped table of word frequencies in general PubMed text, so that
"ketamine" stays informative although every seed uses it. Query terms the passages never use still
count in the paper's norm: a paper that is mostly about something else scores low even if it says
"ketamine" once. A paper that uses none of the collection's signature words (common in the passages,
rare in PubMed) is never related, and a passage must share at least three words with the paper.

Only ``body`` passages are indexed: comments and furniture are never related to papers. Pure Python
with dict postings; no I/O, no network.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from littrack.background.passages import BODY, Passage, split_sentences
from littrack.models import Paper, RelatedPassage

K1, B = 1.2, 0.75
# Chosen on tests/background_eval/relation_pairs.json: the lowest threshold with no false positive there
# (precision 1.00, recall 0.50 on 53 pairs); 0.10 trades precision 0.80 for recall 0.57.
DEFAULT_THRESHOLD = 0.12
EXCERPT_CHARS = 240
_DUPLICATE_JACCARD = 0.8  # two seeds reprint the same CRPS paragraphs; show only one of them
MIN_SHARED_TERMS = 3  # a title-only record sharing one or two words is not evidence of a relation
# The collection's signature: words in at least this share of body passages and at most this share of
# general PubMed records (for the seeds: ketamine, fibromyalgia, infusion, CRPS, antidepressant, …).
SIGNATURE_PASSAGE_SHARE, SIGNATURE_BACKGROUND_SHARE = 0.10, 0.01

_STOP = frozenset(
    str.split(
        "a about above after again against all almost also although am among an and any are as at be because "
        "been before being below between both but by can could did do does doing done down during each "
        "either else even ever every few for from further had has have having he her here hers herself him "
        "himself his how however i if in into is it its itself just less like made make many may me might "
        "more most much must my myself near neither no nor not now of off often on once one only or other "
        "others our ours out over own per perhaps rather same several shall she should since so some such "
        "than that the their theirs them themselves then there these they this those though through thus to "
        "too under until up upon us very via was we well were what when where whether which while who whom "
        "whose why will with within without would yet you your yours s t don doesn didn isn aren wasn weren "
        "ll ve re d m patient participant subject people person individual study studie trial result effect "
        "effectiveness efficacy use used using usage show showed shown found find finding report reported "
        "reporting group groups significant significantly clinical associated association data method "
        "methods conclusion conclusions background objective objectives aim aims purpose introduction "
        "discussion however also include including included compared comparison evaluate evaluated "
        "evaluation analysis analyses total year years month months week weeks day days time times new "
        "recent recently based level levels high higher low lower increase increased decrease decreased "
        "reduce reduced change changes may might potential possible role review research researcher evidence "
        "case cases number including observed suggest suggests suggested provide provides first two three "
        "four five six second et al"
    )
)
# Text is lower-cased first; each phrase is only searched for when its cheap marker substring occurs.
_PHRASES = (
    ("regional", re.compile(r"complex\s+regional\s+pain\s+syndromes?"), " crps "),
    ("sympathetic", re.compile(r"reflex\s+sympathetic\s+dystroph\w*"), " crps "),
    ("rsd", re.compile(r"\brsd\b"), " crps "),
    ("cfs", re.compile(r"\bme\s*/\s*cfs\b"), " cfs "),
    ("fatigue", re.compile(r"chronic\s+fatigue\s+syndrome"), " cfs "),
    ("methyl", re.compile(r"\bn-methyl-d-aspartate\b"), " nmda "),
)
_SYNONYMS = {
    "fm": "fibromyalgia",
    "fms": "fibromyalgia",
    "iv": "intravenous",
    "intravenously": "intravenous",
    "subcutaneously": "subcutaneous",
    "intranasally": "intranasal",
    "intransally": "intranasal",
    "orally": "oral",
    "depressive": "depression",
    "depressed": "depression",
    "antidepressive": "antidepressant",
    "anaesthesia": "anesthesia",
    "anesthetic": "anesthesia",
    "anaesthetic": "anesthesia",
    "anesthetized": "anesthesia",
    "anaesthetized": "anesthesia",
    "analgesic": "analgesia",
    "analgesics": "analgesia",
    "opiate": "opioid",
    "opioids": "opioid",
    "opiates": "opioid",
}
_WORD = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]|[a-z]{2,}")


def _stem(word: str) -> str:
    word = _SYNONYMS.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return _SYNONYMS.get(word, word)


def _word_tokens(word: str) -> tuple[str, ...]:
    parts = word.split("-") if "-" in word and not word.startswith(("anti", "non")) else (word,)
    stems = (_stem(p) for p in parts)
    return tuple(s for s in stems if len(s) > 1 and s not in _STOP and not s.isdigit())


_WORD_CACHE: dict[str, tuple[str, ...]] = {}  # raw word → its tokens; bounded by the vocabulary seen


def tokens(text: str) -> list[str]:
    """Lower-cased, lightly stemmed content words; stop words and clinical filler removed."""
    text = text.lower().replace("’", "'")
    for marker, pattern, repl in _PHRASES:
        if marker in text:
            text = pattern.sub(repl, text)
    out: list[str] = []
    cache = _WORD_CACHE
    for word in _WORD.findall(text):
        toks = cache.get(word)
        if toks is None:
            toks = _word_tokens(word)
            if len(cache) < 200_000:
                cache[word] = toks
        out.extend(toks)
    return out


def paper_text(paper: Paper) -> str:
    """What of a paper is compared: title, abstract, keywords and MeSH descriptors, as plain text."""
    parts = [
        paper.title_plain,
        paper.abstract_plain,
        " ".join(paper.keywords),
        " ".join(m.descriptor for m in paper.mesh),
    ]
    return "\n".join(p for p in parts if p)


def excerpt(text: str, limit: int = EXCERPT_CHARS, focus: Iterable[str] = ()) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis.

    With ``focus`` terms, a long passage is quoted from its sentence that uses them most.
    """
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    wanted = set(focus)
    prefix = ""
    if wanted:
        sentences = split_sentences(flat)
        best = max(range(len(sentences)), key=lambda i: (sum(t in wanted for t in tokens(sentences[i])), -i))
        if best:
            flat, prefix = " ".join(sentences[best:]), "… "
            if len(flat) + len(prefix) <= limit:
                return prefix + flat
    room = limit - len(prefix) - 1
    cut = flat[:room]
    if " " in cut and not flat[room : room + 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return prefix + cut.rstrip(" ,;:–—-") + "…"


@dataclass(frozen=True)
class Background:
    """Document frequencies of words in general PubMed text (see seeds/background_df.json)."""

    documents: int
    df: Mapping[str, int]


@lru_cache(maxsize=1)
def shipped_background() -> Background:
    """The packaged background frequencies, built from the real records in shared/recorded/."""
    raw = json.loads(resources.files("littrack.background").joinpath("seeds/background_df.json").read_text("utf-8"))
    return Background(documents=int(raw["documents"]), df=raw["df"])


class Relater:
    """A BM25 index over body passages, built once and queried with papers."""

    def __init__(
        self,
        passages: Sequence[Passage],
        titles: Mapping[str, str] | None = None,
        background: Background | None = None,
    ) -> None:
        """Index the body passages. ``background`` defaults to the shipped general-PubMed frequencies."""
        self.passages = tuple(p for p in passages if p.kind == BODY)
        self.titles = dict(titles or {})
        bg = background if background is not None else shipped_background()
        own = [Counter(tokens(p.text)) for p in self.passages]
        docs = [_with_neighbours(own, self.passages, i) for i in range(len(own))]
        avgdl = (sum(sum(d.values()) for d in docs) / len(docs)) if docs else 1.0
        # IDF over passages plus general PubMed text: inside the seeds "ketamine" is everywhere, yet it is
        # what makes a paper bear on them; "drug" or "health" are common in PubMed and say little.
        df: Counter[str] = Counter(t for d in docs for t in d)
        n = len(docs) + bg.documents
        self.idf = {
            t: math.log(1 + (n - f - bg.df.get(t, 0) + 0.5) / (f + bg.df.get(t, 0) + 0.5)) for t, f in df.items()
        }
        # Words no passage uses still weigh in the paper's norm: they are what the paper is about instead.
        # Words no passage uses weigh by their background frequency (unseen ones like the rarest).
        self._rare_idf = math.log(1 + (n - 0.5) / 1.5)
        self._all_idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in bg.df.items()} | self.idf
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, d in enumerate(docs):
            dl = sum(d.values())
            weights = {t: self.idf[t] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl)) for t, tf in d.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for t, w in weights.items():
                self.postings.setdefault(t, []).append((i, w / norm))
        self._canonical = _duplicates([set(c) for c in own])
        # A paper using none of the words that make the collection what it is (ketamine, fibromyalgia…)
        # shares only generic vocabulary with it ("drug", "synaptic plasticity"): never related.
        self.signature = frozenset(
            t
            for t, f in df.items()
            if f >= SIGNATURE_PASSAGE_SHARE * len(docs)
            and bg.df.get(t, 0) <= SIGNATURE_BACKGROUND_SHARE * max(1, bg.documents)
        )

    def _query(self, paper: Paper) -> dict[str, float]:
        tf = Counter(tokens(paper_text(paper)))
        idf, rare = self._all_idf, self._rare_idf
        return {t: idf.get(t, rare) * c * (K1 + 1) / (c + K1) for t, c in tf.items()}

    def _idf(self, term: str) -> float:
        return self._all_idf.get(term, self._rare_idf)

    def scores(self, paper: Paper) -> list[tuple[int, float]]:
        """(passage index, similarity in [0, 1]) for passages sharing ≥ MIN_SHARED_TERMS words, best first."""
        return self._scores(self._query(paper))

    def _scores(self, query: dict[str, float]) -> list[tuple[int, float]]:
        norm = math.sqrt(sum(w * w for w in query.values()))
        if not norm or self.signature.isdisjoint(query):
            return []
        acc: dict[int, float] = {}
        shared: dict[int, int] = {}
        for t, wq in query.items():
            for i, wp in self.postings.get(t, ()):
                acc[i] = acc.get(i, 0.0) + wq * wp
                shared[i] = shared.get(i, 0) + 1
        hits = ((i, s / norm) for i, s in acc.items() if shared[i] >= MIN_SHARED_TERMS)
        return sorted(hits, key=lambda x: (-x[1], x[0]))

    def relate(self, paper: Paper, top_k: int = 2, threshold: float | None = None) -> tuple[RelatedPassage, ...]:
        """The ``top_k`` best passages at or above ``threshold`` (default: the calibrated one), duplicates skipped."""
        limit = threshold or DEFAULT_THRESHOLD
        chosen: list[tuple[int, float]] = []
        seen: set[int] = set()
        query = self._query(paper)
        for i, s in self._scores(query):
            if s < limit or len(chosen) >= top_k:
                break
            if self._canonical[i] in seen:
                continue
            seen.add(self._canonical[i])
            chosen.append((i, s))
        focus = set(query)
        return tuple(self._related(i, s, focus) for i, s in chosen)

    def _related(self, i: int, score: float, focus: set[str]) -> RelatedPassage:
        p = self.passages[i]
        return RelatedPassage(
            document_id=p.doc_id,
            document_title=self.titles.get(p.doc_id, p.doc_id),
            excerpt=excerpt(p.text, focus=focus),
            score=round(score, 4),
            passage_id=p.id,
        )

    def same_text(self) -> dict[str, str]:
        """Passage id → the id of the passage it (nearly) repeats, or its own id.

        :meth:`relate` names only the first of two near-identical passages (two seeds reprint the same CRPS
        paragraphs); a caller keyed on passages maps both through this to treat them as one.
        """
        return {p.id: self.passages[self._canonical[i]].id for i, p in enumerate(self.passages)}


NEIGHBOUR_WEIGHT = 0.5


def _with_neighbours(own: list[Counter[str]], passages: Sequence[Passage], i: int) -> dict[str, float]:
    """A passage's words plus, at half weight, those of the body passages either side in the same document.

    A paragraph is read in its context: "Response rates … are around 70%" is about depression because
    the paragraphs around it say so.
    """
    out = {t: float(c) for t, c in own[i].items()}
    for j in (i - 1, i + 1):
        if 0 <= j < len(own) and passages[j].doc_id == passages[i].doc_id:
            for t, c in own[j].items():
                out[t] = out.get(t, 0.0) + NEIGHBOUR_WEIGHT * c
    return out


def _duplicates(sets: list[set[str]]) -> list[int]:
    """For each passage, the index of the first passage it (nearly) repeats, or its own index."""
    canonical = list(range(len(sets)))
    for j, b in enumerate(sets):
        for i in range(j):
            a = sets[i]
            if canonical[i] == i and a and b and len(a & b) / len(a | b) >= _DUPLICATE_JACCARD:
                canonical[j] = i
                break
    return canonical
