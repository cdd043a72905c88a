"""How many people a study had: the stated total, never an arm size or an outcome count when a total is stated.

Candidates, strongest first (the first kind found wins; within a kind the largest, since "randomized 60 …
analysed 55" both state the study's size and the enrolled one is the study's n):

1. totals: "a total of N …", "N patients were randomized / enrolled / included / recruited / studied",
   "we randomized / enrolled … N …", "N consecutive patients", "data from / a sample of / a cohort of N";
2. arms added up, when one randomization sentence gives every arm as "(n = 12) … (n = 12)";
3. a lone "n = N" when the abstract has exactly one (more than one is arms or subgroups);
4. "In / Among / Of N patients" opening a sentence, or "N patients" in the title.

Never counted: numbers in a list ("22 cases and 19 controls"), control or per-group sizes, people screened,
excluded, lost or withdrawn, "in N patients" inside a result ("VAS ≤30 mm in 25 patients"), and years.
"""

from __future__ import annotations

import re

from littrack.evidence.numbers import COUNT, to_int

_PEOPLE = (
    r"(?:patients|participants|subjects|adults|adolescents|children|infants|neonates|newborns|women|men|girls|boys|"
    r"volunteers|individuals|veterans|persons|people|outpatients|inpatients|respondents|mothers|parents|pregnancies|"
    r"smokers|users|survivors|workers|students|nurses|physicians|residents|employees|athletes|recipients|donors|"
    r"elderly|couples|families|households|cases|[A-Z][a-z]+ans)"
)
# Up to four words between the number and the noun ("adult CRPS type 1 patients"), none a list word.
_QUAL = r"(?:(?!(?:and|or|of|in|from|with)\b)[A-Za-z/'’-][\w/'’-]*[ ]){0,4}?"
_ENROL = (
    r"(?:randomi[sz]ed|randomly (?:assigned|allocated|divided)|enrolled|included|recruited|studied|analy[sz]ed|"
    r"evaluated|investigated|examined|surveyed|interviewed|treated|allocated|assigned|reviewed|selected)"
)
_N = rf"({COUNT})"
_F = re.IGNORECASE | re.MULTILINE

_TOTALS = (
    re.compile(rf"\ba total of {_N} {_QUAL}{_PEOPLE}\b", _F),
    re.compile(rf"\b{_N} {_QUAL}{_PEOPLE}\b[^.;,\d]{{0,80}}?\b(?:were|was|had been) {_ENROL}", _F),
    re.compile(rf"\b{_N} (?:were|was|had been) (?:randomi[sz]ed|randomly|enrolled|included|recruited)\b", _F),
    re.compile(rf"\b(?:we|study|trial) (?:\w+ )?{_ENROL} {_N} {_QUAL}{_PEOPLE}\b", _F),
    re.compile(rf"\b{_ENROL} {_N} {_QUAL}{_PEOPLE}\b", _F),
    re.compile(rf"\b{_N} consecutive {_QUAL}{_PEOPLE}\b", _F),
    re.compile(
        rf"\b(?:data (?:from|of|on)|records of|a (?:sample|cohort|series|group) of) {_N} {_QUAL}{_PEOPLE}\b", _F
    ),
    re.compile(rf"\b{_N} {_QUAL}{_PEOPLE} (?:participated|took part|completed the study|were followed)\b", _F),
    re.compile(rf"^(?:participants|patients|subjects|sample)\s*[:(]\s*(?:a total of )?{_N}\b", _F),
    re.compile(rf"\b{_N} {_QUAL}{_PEOPLE} (?:enrolled|recruited|included) in\b", _F),
    re.compile(rf"\b(?:gathered|collected|obtained|analy[sz]ed) (?:data )?(?:from|of|on) {_N} {_QUAL}{_PEOPLE}\b", _F),
    re.compile(rf"\b{_N} {_QUAL}{_PEOPLE} met (?:the |our )?(?:inclusion|eligibility) criteria", _F),
    # A count opening a sentence (or a METHODS section) and a study verb later in it: the sample described.
    re.compile(
        rf"(?:^|[.:]\s+)(?:[A-Z]\w+ [A-Z]\w+,\s+|Between [^,]{{5,30}},\s+)?{_N} {_QUAL}{_PEOPLE}\b"
        r"(?:[^.;]|\.\d){0,160}?"
        r"\b(?:underwent|participated|took part|completed the study|were (?:tested|studied|recruited|enrolled|"
        r"included|randomi[sz]ed|assigned|treated|interviewed|examined|evaluated))\b",
        re.MULTILINE,
    ),
)
# "Twenty-five patients and fifteen healthy controls were recruited": every group of the study, added up.
_GROUPS = re.compile(rf"\b{_N} {_QUAL}{_PEOPLE} and {_N} {_QUAL}(?:{_PEOPLE}|controls)\s+(?:were|was) {_ENROL}", _F)
_N_EQUALS = re.compile(r"\b[nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)\b")
_OPENING = (re.compile(rf"(?:^|[.:]\s+)(?:In|Among|Of) {_N} {_QUAL}{_PEOPLE}\b", re.MULTILINE),)
_RANDOMIZATION = re.compile(r"\brandomi[sz]|\brandomly\b|\ballocated\b|\bassigned\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z(])|\n")

_PART_BEFORE = re.compile(
    r"(?:\band|\bas well as|\bversus|\bvs\.?|,|\b(?:each|per)(?: group| arm)?|\bof whom|\bwhile|\bwhereas)\s*\(?$",
    re.IGNORECASE,
)
_PART_INSIDE = re.compile(r"\b(?:healthy|control|remaining|other)\b", re.IGNORECASE)
_PART_AFTER = re.compile(
    r"^[^.;,]{0,25}?\b(?:in (?:each|both|the \w+(?: \w+)? (?:group|arm))|per (?:group|arm)|each)\b"
    r"|^\s*(?:as|were used as|served as) (?:healthy )?controls?\b"
    r"|^[^.;]{0,40}?\b(?:were|was) (?:excluded|withdrawn|lost|screened|assessed for eligibility|not)\b"
    r"|^[^.;]{0,10}?\b(?:withdrew|dropped out|discontinued)\b"
    r"|^[^.;]{0,30}?\b(?:screened|assessed for eligibility|approached|invited|eligible)\b"
    r"|^\s*(?:of|\(\d)",  # "12 of these patients", "15 of 166 cases": a subgroup
    re.IGNORECASE,
)
_SCREENED_BEFORE = re.compile(r"\b(?:screened|assessed for eligibility|eligible|excluded|of|from)\s*$", re.IGNORECASE)


def sample_size(title: str, abstract: str) -> int | None:
    """The number of people studied when the title or abstract states it (see the module docstring), else None."""
    text = f"{title}\n{abstract}"
    groups = [(to_int(m.group(1)), to_int(m.group(2))) for m in _GROUPS.finditer(text)]
    found = [a + b for a, b in groups if a and b] + _counts(text, _TOTALS)
    if found:
        return max(found)
    arms = _arm_sum(abstract)
    if arms is not None:
        return arms
    equals = [m for m in _N_EQUALS.finditer(text) if not _is_part(text, m)]
    if len(equals) == 1 and len(_N_EQUALS.findall(text)) == 1:
        return to_int(equals[0].group(1))
    found = _counts(abstract, _OPENING) or _counts(title, (re.compile(rf"\b{_N} {_QUAL}{_PEOPLE}\b", _F),))
    return max(found) if found else None


def _counts(text: str, patterns: tuple[re.Pattern[str], ...]) -> list[int]:
    out = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            n = to_int(match.group(1))
            year = 1900 <= (n or 0) <= 2100 and re.search(
                r"\b(?:in|since|from|during|until|by)\s*$", text[: match.start(1)]
            )
            if n is None or n == 0 or year or _is_part(text, match):
                continue
            out.append(n)
    return out


def _is_part(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 25) : match.start()]
    inside = match.group(0)
    after = text[match.end(1) :] if match.lastindex else text[match.end() :]
    # "Of 300 screened, 60 were randomized": the comma closes the screening clause, not a list.
    after_screening = bool(re.search(r"\b(?:screened|eligible|eligibility|approached|assessed)\b", before, re.I))
    # A comma is a list separator only after another count ("22 cases, 19 controls"), not after a clause.
    listed = _PART_BEFORE.search(before) and not (before.rstrip().endswith(",") and not re.search(r"\d", before))
    return bool(
        (listed and not after_screening)
        or _PART_INSIDE.search(inside[: inside.find(match.group(1)) + len(match.group(1)) + 30])
        or _PART_AFTER.match(after)
        or (_SCREENED_BEFORE.search(before) and "total" not in inside.lower())
    )


def _arm_sum(abstract: str) -> int | None:
    """Arms added up when one randomization sentence gives each arm's n and the abstract no total."""
    for sentence in _SENTENCE_END.split(abstract):
        if not _RANDOMIZATION.search(sentence):
            continue
        arms = [int(m.group(1).replace(",", "")) for m in _N_EQUALS.finditer(sentence)]
        if len(arms) >= 2:
            return sum(arms)
    return None
