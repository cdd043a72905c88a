"""Small detail chips a clinician scans for: sample size, follow-up, ketamine route, form, dose, infusion length.

Precision first: every chip comes from an explicit pattern; ketamine chips only from sentences that name
ketamine (or esketamine / arketamine) and only when the cue sits next to the drug name. When nothing is
found confidently, nothing is shown. Works on plain text (``Paper.title_plain`` / ``abstract_plain``).
"""

from __future__ import annotations

import re

from littrack.models import Paper

_PEOPLE = (
    r"(?:patients|participants|subjects|adults|adolescents|children|women|men|volunteers|individuals|"
    r"veterans|persons|people|outpatients|inpatients)"
)
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)"
_ENROL_VERB = r"(?:randomi[sz]ed|enrolled|included|recruited|randomly (?:assigned|allocated)|analy[sz]ed|studied)"

# Explicit statements of the total number studied.
_N_PATTERNS = (
    re.compile(rf"\ba total of {_NUM} (?:\w+[- ]){{0,2}}{_PEOPLE}", re.IGNORECASE),
    re.compile(rf"\b{_NUM} (?:\w+[- ]){{0,2}}{_PEOPLE} (?:were|was) {_ENROL_VERB}", re.IGNORECASE),
    re.compile(rf"\b{_ENROL_VERB} {_NUM} (?:\w+[- ]){{0,2}}{_PEOPLE}", re.IGNORECASE),
    # "of N" is usually a subgroup's denominator ("in 3 of 20 patients") unless it opens a sentence.
    re.compile(rf"(?:\b(?i:in|among|with)|(?:^|[.:]\s+)Of) {_NUM} (?:\w+[- ]){{0,1}}{_PEOPLE}\b", re.MULTILINE),
)
_N_EQUALS = re.compile(rf"\b[nN]\s*=\s*{_NUM}")
# A count that is one item of a list ("22 cases and 19 controls were included") or a control group.
_PART_BEFORE = re.compile(r"(?:\band|\bas well as|,|\b(?:each|per)(?: group| arm)?)\s*\(?$", re.IGNORECASE)
_PART_INSIDE = re.compile(r"\b(?:healthy|control)\b", re.IGNORECASE)
_PART_AFTER = re.compile(r"^\s*(?:as|were used as|served as) (?:healthy )?controls?\b", re.IGNORECASE)

_UNIT = r"(day|week|month|year)s?"
_FOLLOW_UP = (
    re.compile(rf"\b(\d+)[- ]{_UNIT}[- ]follow[- ]?up\b", re.IGNORECASE),
    re.compile(rf"\bfollow[- ]?up (?:period |duration )?of (\d+) {_UNIT}\b", re.IGNORECASE),
    re.compile(rf"\bfollowed(?: up)? for (?:up to )?(\d+) {_UNIT}\b", re.IGNORECASE),
    re.compile(rf"\b(\d+) {_UNIT} of follow[- ]?up\b", re.IGNORECASE),
)

_KETAMINE = re.compile(r"\b(?:es|ar)?ketamine\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(])|\n")
_WINDOW = 30  # characters either side of "ketamine" in which a route or dose counts as the drug's
# A weight-based dose ("0.35 mg/kg/h") is rarely far from its drug but often after the regimen words.
_DOSE_WINDOW = 60

_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("subcutaneous", re.compile(r"\bsubcutaneous(?:ly)?\b|\bs\.c\.|(?-i:\bSC\b)", re.IGNORECASE)),
    ("intranasal", re.compile(r"\bintra-?nasal(?:ly)?\b|\bnasal spray\b", re.IGNORECASE)),
    ("intramuscular", re.compile(r"\bintramuscular(?:ly)?\b|\bi\.m\.", re.IGNORECASE)),
    ("oral", re.compile(r"\boral(?:ly)?\b|\bper os\b", re.IGNORECASE)),
    ("sublingual", re.compile(r"\bsublingual(?:ly)?\b", re.IGNORECASE)),
    ("topical", re.compile(r"\btopical(?:ly)?\b|\bcream\b", re.IGNORECASE)),
    (
        "IV",
        re.compile(
            r"\bintravenous(?:ly)?\b|\bi\.v\.|(?<!phase )(?<!stage )(?<!grade )(?<!type )(?-i:\bIV\b)", re.IGNORECASE
        ),
    ),
)
_INFUSION = re.compile(r"\binfusions?\b", re.IGNORECASE)
_ESKETAMINE = re.compile(r"\besketamine\b|\(?\bS\)?-?\(\+\)-ketamine|\(S\)-ketamine|\bS-ketamine\b", re.IGNORECASE)
_ARKETAMINE = re.compile(r"\barketamine\b|\(R\)-ketamine|\bR-ketamine\b|\(?\bR\)?-?\(-\)-ketamine", re.IGNORECASE)
_RACEMIC = re.compile(r"\bracemic ketamine\b|\bketamine racemate\b|\b\(R,S\)-ketamine\b|\bRS-ketamine\b", re.IGNORECASE)

_DOSE = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s*(mg|µg|μg|mcg|ug)\s*/\s*kg(?:\s*/\s*(h|hr|hour|min|day))?"
    r"|(?<![\d.])(\d+(?:\.\d+)?)\s*(mg)\b(?!\s*/)",
    re.IGNORECASE,
)
_INFUSION_LENGTH = (
    re.compile(
        r"\b(\d+(?:\.\d+)?)[- ](minute|min|hour|h|hr|day)s?[- ](?:continuous |intravenous |IV )?infusions?\b",
        re.IGNORECASE,
    ),
    re.compile(r"\binfus(?:ed|ion) over (\d+(?:\.\d+)?) (minute|min|hour|h|hr|day)s?\b", re.IGNORECASE),
)
_UNIT_NAMES = {"minute": "minute", "min": "minute", "hour": "hour", "h": "hour", "hr": "hour", "day": "day"}


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def sample_size(paper: Paper) -> int | None:
    """The number of people (or subjects) studied when an explicit pattern states it, else None.

    Several explicit totals (e.g. enrolled and analysed) give the largest. Counts that are one part of a
    list, a control group or a per-group size are skipped; ``n = …`` values are usually arms, so they count
    only when the abstract has exactly one.
    """
    text = f"{paper.title_plain}\n{paper.abstract_plain}"
    found: list[int] = []
    for pattern in _N_PATTERNS:
        for match in pattern.finditer(text):
            n = _number(match.group(1))
            # "in 2019 patients were …" is a year, not a count.
            if 1900 <= n <= 2100 and pattern is _N_PATTERNS[-1]:
                continue
            if _is_part(text, match) or n == 0:
                continue
            found.append(n)
    if found:
        return max(found)
    counts = {_number(m.group(1)) for m in _N_EQUALS.finditer(text) if not _is_part(text, m)}
    if len(counts) == 1 and len(_N_EQUALS.findall(text)) == 1:
        return counts.pop()
    return None


def _is_part(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 20) : match.start()]
    return bool(
        _PART_BEFORE.search(before) or _PART_INSIDE.search(match.group(0)) or _PART_AFTER.match(text[match.end() :])
    )


def follow_up(text: str) -> str | None:
    """'12-month follow-up' when the follow-up length is stated explicitly."""
    for pattern in _FOLLOW_UP:
        match = pattern.search(text)
        if match:
            return f"{match.group(1)}-{match.group(2).lower()} follow-up"
    return None


def _ketamine_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if _KETAMINE.search(s)]


def _distance(sentence: str, match: re.Match[str]) -> int:
    """Characters between ``match`` and the nearest ketamine mention in ``sentence`` (0 when touching)."""
    gaps = [max(k.start() - match.end(), match.start() - k.end(), 0) for k in _KETAMINE.finditer(sentence)]
    return min(gaps, default=len(sentence) + 1)


def _near_ketamine(sentence: str, pattern: re.Pattern[str], window: int = _WINDOW) -> list[re.Match[str]]:
    """Matches of ``pattern`` within ``window`` characters of a ketamine mention."""
    return [m for m in pattern.finditer(sentence) if _distance(sentence, m) <= window]


def routes(text: str) -> tuple[str, ...]:
    """Ketamine routes named next to the drug, in a fixed order; an infusion with no other route is IV."""
    found: list[str] = []
    sentences = _ketamine_sentences(text)
    for name, pattern in _ROUTES:
        if any(_near_ketamine(s, pattern) for s in sentences):
            found.append(name)
    if not found and any(_near_ketamine(s, _INFUSION) for s in sentences):
        found.append("IV")
    return tuple(found)


def forms(text: str) -> tuple[str, ...]:
    """'esketamine', 'arketamine' and/or 'racemic ketamine' when the text names them."""
    out = []
    if _ESKETAMINE.search(text):
        out.append("esketamine")
    if _ARKETAMINE.search(text):
        out.append("arketamine")
    if _RACEMIC.search(text):
        out.append("racemic ketamine")
    return tuple(out)


def doses(text: str, limit: int = 2) -> tuple[str, ...]:
    """Up to ``limit`` distinct ketamine doses ('0.5 mg/kg', '0.5 mg/kg/h', '56 mg') stated next to the drug."""
    out: list[str] = []
    for sentence in _ketamine_sentences(text):
        for match in _near_ketamine(sentence, _DOSE, _DOSE_WINDOW):
            if match.group(1):
                unit = match.group(2).replace("μ", "µ").replace("mcg", "µg").replace("ug", "µg")
                chip = f"{match.group(1)} {unit}/kg" + (f"/{_rate(match.group(3))}" if match.group(3) else "")
            elif _distance(sentence, match) <= _WINDOW:
                chip = f"{match.group(4)} mg"
            else:
                continue
            if chip not in out:
                out.append(chip)
            if len(out) == limit:
                return tuple(out)
    return tuple(out)


def _rate(unit: str) -> str:
    return {"hr": "h", "hour": "h"}.get(unit.lower(), unit.lower())


def infusion_length(text: str) -> str | None:
    """'40-minute infusion', '4-hour infusion', '5-day infusion' from a ketamine sentence."""
    for sentence in _ketamine_sentences(text):
        for pattern in _INFUSION_LENGTH:
            match = pattern.search(sentence)
            if match:
                return f"{match.group(1)}-{_UNIT_NAMES[match.group(2).lower()]} infusion"
    return None


def extract_details(paper: Paper) -> tuple[str, ...]:
    """Chips for the digest: 'n = 45', '12-week follow-up', 'IV', 'esketamine', '0.5 mg/kg', '40-minute infusion'."""
    text = f"{paper.title_plain}\n{paper.abstract_plain}"
    chips: list[str] = []
    n = sample_size(paper)
    if n is not None:
        chips.append(f"n = {n:,}")
    fu = follow_up(text)
    if fu:
        chips.append(fu)
    if _KETAMINE.search(text):
        chips.extend(routes(text))
        chips.extend(forms(text))
        chips.extend(doses(text))
        length = infusion_length(text)
        if length:
            chips.append(length)
    return tuple(chips)
