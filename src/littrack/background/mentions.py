"""Extract the studies a background article mentions ("a 2007 French study, subcutaneous ketamine").

Rule based and precision-first: a sentence of a body passage becomes a mention only when it names a
study-like thing (study, trial, review, case study, researchers, "X et al.") together with something
that identifies it (a year, a country, a design, a number of trials or patients, an author, or "one
study" with its finding). Generic talk ("numerous studies have validated…") and patient stories are
left out. An anaphoric sentence ("The systematic review examined six clinical trials…") enriches the
mention it refers back to instead of making a new one. Pure functions; no I/O.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from littrack.background.passages import BODY, Passage, split_sentences

_CUE = re.compile(
    r"\b(?:(?:systematic\s+)?reviews?(?:\s+article)?|meta-analys[ie]s|case\s+(?:study|report)|studies|study|trials?|"
    r"researchers|research\s+on|et\.?\s+al\b)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-3]\d)\b")
_GENERIC = re.compile(
    r"\b(?:numerous|several|many|more\s+and\s+more|no|few|further|future|more|other\s+clinical|recent)\s+"
    r"(?:clinical\s+)?(?:studies|trials|research)\b|\bneeds?\s+more\s+study\b|\bstudies\s+are\s+(?:rare|needed)\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"^(?:(?:however|but|and|so),?\s+)?(?:the|this|these|those|both)\s+(?:two\s+|three\s+)?"
    r"(?:(?:systematic\s+)?review|study|case\s+study|researchers|team|trials?|studies)\b",
    re.IGNORECASE,
)
# "the systematic review and the case study": a definite reference back to studies already mentioned.
_DEFINITE = re.compile(
    r"\b(?:the|this|these|both\s+the)\s+(?:\w+\s+)?(?:systematic\s+review|review|case\s+study|study|studies|trials?)\b",
    re.I,
)
_INDEFINITE = re.compile(
    r"\b(?:an?|one|other|\d+|two|three|four|five|six)\s+(?:[\w-]+\s+){0,3}(?:review|study|studies|trials?|researchers)\b",
    re.I,
)
_NATIONALITIES = {
    "dutch": "Netherlands",
    "french": "France",
    "danish": "Denmark",
    "belgian": "Belgium",
    "belgium": "Belgium",
    "swedish": "Sweden",
    "norwegian": "Norway",
    "finnish": "Finland",
    "german": "Germany",
    "british": "United Kingdom",
    "english": "United Kingdom",
    "american": "United States",
    "canadian": "Canada",
    "italian": "Italy",
    "spanish": "Spain",
    "brazilian": "Brazil",
    "chinese": "China",
    "japanese": "Japan",
    "korean": "Korea",
    "israeli": "Israel",
    "swiss": "Switzerland",
    "australian": "Australia",
    "austrian": "Austria",
    "iranian": "Iran",
    "turkish": "Turkey",
    "polish": "Poland",
    "portuguese": "Portugal",
    "indian": "India",
}
_COUNTRY = re.compile(r"\b(" + "|".join(_NATIONALITIES) + r")\b", re.IGNORECASE)
_CONDITIONS = (
    ("CRPS", re.compile(r"\bCRPS\b|complex\s+regional\s+pain|chronic\s+regional\s+pain|reflex\s+sympathetic", re.I)),
    ("fibromyalgia", re.compile(r"\bfibromyalgia\b|\bFM\b", re.I)),
    ("depression", re.compile(r"\bdepress(?:ion|ive)\b|antidepressant", re.I)),
    ("neuropathic pain", re.compile(r"\bneuropathic\s+pain\b", re.I)),
    ("ME/CFS", re.compile(r"\bME/CFS\b|chronic\s+fatigue", re.I)),
)
_DESIGNS = (
    ("systematic review", re.compile(r"systematic\s+review|meta-analys", re.I)),
    ("case report", re.compile(r"case\s+(?:study|report)", re.I)),
    ("randomized controlled trial", re.compile(r"placebo-controlled|randomi[sz]ed", re.I)),
    ("ongoing trial", re.compile(r"\bunderway\b|\bongoing\b|\brecruiting\b", re.I)),
    ("review", re.compile(r"\breview\b", re.I)),
    ("trial", re.compile(r"\btrials?\b", re.I)),
    ("study", re.compile(r"\bstud(?:y|ies)\b|researchers|et\.?\s+al", re.I)),
)
_INTERVENTIONS = re.compile(
    r"\b(?:\d+[-\s]minute\s+(?:ketamine\s+)?infusions?|(?:long|short)\s+infusion\s+times?|one\s+dose|single\s+(?:subanesthetic\s+)?dose"
    r"(?:\s+infusion)?|series\s+of\s+(?:several\s+)?(?:IV\s+)?(?:ketamine\s+)?infusions|twice-weekly\s+infusions|"
    r"subcutaneous|intravenous(?:ly)?|\bIV\b|oral(?:ly)?|intranasal|intramuscular(?:ly)?|nasal\s+spray|esketamine|"
    r"S-ketamine|low-dose\s+opioids|\d+\s*mg(?:/kg)?)",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
}
_NUM = r"(\d[\d,]*|" + "|".join(_NUMBER_WORDS) + r")"
_N_TRIALS = re.compile(_NUM + r"\s+(?:\w+\s+){0,2}(?:trials|studies)\b", re.IGNORECASE)
_N_PATIENTS = re.compile(
    _NUM + r"\s+(?:\w+\s+){0,2}(?:patients|participants|subjects|women|men|people)\b", re.IGNORECASE
)
_AUTHOR = re.compile(
    r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+et\.?\s+al\b|\b(?:review\s+article|review)\s+([A-Z][a-z]+)\s+(?:suggested|found|reported|argued)"
)
_JOURNAL = re.compile(
    r"\bpublished\s+in\s+(?:the\s+)?((?:[A-Z][\w&-]*|of|and|in|for)(?:\s+(?:[A-Z][\w&-]*|of|and|in|for))*)"
)
_ONE_STUDY = re.compile(
    r"\b(?:in\s+)?one\s+(?:study|review|trial)\b|\ban\s+associated\s+study\b|\bother\s+researchers\b|"
    r"\bresearch\s+on\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Mention:
    """A study a background article refers to, with what the sentence says about it."""

    doc_id: str
    sentence: str
    year: int | None
    country: str | None
    condition: str | None
    design: str
    intervention: str
    n_patients: int | None
    n_trials: int | None
    author: str | None = None
    journal: str | None = None
    passage_index: int = 0
    part: int = 0  # which of the sentence's clauses, from 1, when it cites several studies ("A 1997 … a 2000 …")

    @property
    def key(self) -> str:
        """Stable id of the mention in the store: document id + hash of the sentence (+ ".2" for its second study).

        Without the part, the two studies of one sentence shared a key, so one's PubMed lookup overwrote the
        other's in the store.
        """
        base = f"{self.doc_id}:{hashlib.sha1(self.sentence.encode('utf-8')).hexdigest()[:12]}"
        return f"{base}.{self.part}" if self.part else base

    @property
    def description(self) -> str:
        """'2007 · France · fibromyalgia · study · subcutaneous' for a digest line."""
        parts = [str(self.year) if self.year else "", self.country or "", self.condition or "", self.design]
        if self.author:
            parts.append(self.author)
        if self.journal:
            parts.append(self.journal)
        if self.n_trials:
            parts.append(f"{self.n_trials} trials")
        if self.n_patients:
            parts.append(f"{self.n_patients} patients")
        if self.intervention:
            parts.append(self.intervention)
        return " · ".join(p for p in parts if p)


def extract_mentions(passages: Iterable[Passage]) -> tuple[Mention, ...]:
    """Study mentions in the body passages, in document order."""
    body = [p for p in passages if p.kind == BODY]
    out: list[Mention] = []
    default_condition = _main_conditions(body)
    for passage in body:
        sentences = split_sentences(passage.text)
        for k, sentence in enumerate(sentences):
            context = " ".join(reversed(sentences[:k])) + " " + default_condition.get(passage.doc_id, "")
            if _ANAPHORA.match(sentence):
                _enrich_previous(out, passage, sentence)
                continue
            if k and len(sentence.split()) < 5 and _AUTHOR.search(sentence):
                sentence = f"{sentences[k - 1]} {sentence}"  # "… rapid antidepressant effects. Iadarola et. al."
            clauses = _clauses(sentence)
            for part, clause in enumerate(clauses, start=1):
                mention = _mention(passage, sentence, clause, context, part if len(clauses) > 1 else 0)
                if mention is not None and not _repeats_ongoing(out, mention):
                    out.append(mention)
    return tuple(out)


def _main_conditions(body: list[Passage]) -> dict[str, str]:
    """The condition each document names most often: what an unqualified "one study" is about."""
    counts: dict[str, dict[str, int]] = {}
    for p in body:
        per_doc = counts.setdefault(p.doc_id, {})
        for name, rx in _CONDITIONS:
            per_doc[name] = per_doc.get(name, 0) + len(rx.findall(p.text))
    return {doc: max(c, key=lambda n: c[n]) for doc, c in counts.items() if any(c.values())}


def _repeats_ongoing(out: list[Mention], new: Mention) -> bool:
    """ "with two fibromyalgia trials underway" after "Two … studies were underway in 2022": the same trials."""
    if new.design != "ongoing trial":
        return False
    fields = ("condition", "n_trials", "country", "year")
    return any(
        m.doc_id == new.doc_id
        and m.design == new.design
        and all(getattr(new, f) is None or getattr(new, f) == getattr(m, f) for f in fields)
        for m in out
    )


def _clauses(sentence: str) -> list[str]:
    """One clause per dated study: "A 1997 study reported … and a 2000 study suggested …" gives two."""
    starts = [
        m.start()
        for m in re.finditer(
            r"\b(?:an?|in\s+a)\s+(?:\w+\s+){0,2}(?:19|20)\d\d\s+(?:\w+\s+){0,2}(?:study|review|trial)", sentence, re.I
        )
    ]
    if len(starts) < 2:
        return [sentence]
    bounds = [0, *starts[1:], len(sentence)]
    return [sentence[a:b] for a, b in itertools.pairwise(bounds)]


def _mention(passage: Passage, sentence: str, clause: str, context: str, part: int) -> Mention | None:
    if not _CUE.search(clause) or (_GENERIC.search(clause) and not _YEAR.search(clause)):
        return None
    ongoing = re.search(r"\bunderway\b|\bongoing\b", clause, re.I) is not None
    year_m = _YEAR.search(clause)
    year = int(year_m.group(1)) if year_m and not ongoing else None
    country_m = _COUNTRY.search(clause)
    country = _NATIONALITIES[country_m.group(1).lower()] if country_m else None
    author_m = _AUTHOR.search(clause)
    author = (author_m.group(1) or author_m.group(2)) if author_m else None
    n_trials = _count(_N_TRIALS, clause)
    n_patients = _count(_N_PATIENTS, clause)
    journal_m = _JOURNAL.search(clause)
    design = next(name for name, rx in _DESIGNS if rx.search(clause) or name == "study")
    if _DEFINITE.search(clause) and not _INDEFINITE.search(clause) and not (year_m or country or author):
        return None
    identified = (
        year_m
        or country
        or author
        or n_trials
        or n_patients
        or design in {"systematic review", "case report", "randomized controlled trial"}
    )
    if not identified and not (_ONE_STUDY.search(clause) and len(clause.split()) >= 8):
        return None
    return Mention(
        doc_id=passage.doc_id,
        sentence=sentence,
        year=year,
        country=country,
        condition=_condition(clause) or _condition(sentence) or _condition(context),
        design=design,
        intervention=", ".join(dict.fromkeys(m.group(0).lower() for m in _INTERVENTIONS.finditer(clause))),
        n_patients=n_patients,
        n_trials=n_trials,
        author=author,
        journal=journal_m.group(1).rstrip() if journal_m else None,
        passage_index=passage.index,
        part=part,
    )


def _enrich_previous(out: list[Mention], passage: Passage, sentence: str) -> None:
    """Fold "The systematic review examined six trials…" into the latest mention of that design in the document.

    Plural references ("these two studies") point at several mentions at once and are left alone.
    """
    if re.match(r"^(?:\w+,?\s+)?(?:these|those|both)\b", sentence, re.I):
        return
    for i in range(len(out) - 1, -1, -1):
        prev = out[i]
        if prev.doc_id != passage.doc_id:
            return
        if prev.design in sentence.lower():
            n_trials = prev.n_trials or _count(_N_TRIALS, sentence)
            n_patients = prev.n_patients or _count(_N_PATIENTS, sentence)
            if (n_trials, n_patients) != (prev.n_trials, prev.n_patients):
                out[i] = replace(
                    prev, sentence=f"{prev.sentence} … {sentence}", n_trials=n_trials, n_patients=n_patients
                )
            return


def _count(rx: re.Pattern[str], text: str) -> int | None:
    m = rx.search(text)
    if not m:
        return None
    word = m.group(1).lower().replace(",", "")
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word)


def _condition(text: str) -> str | None:
    found = [(m.start(), name) for name, rx in _CONDITIONS for m in [rx.search(text)] if m]
    return min(found)[1] if found else None
