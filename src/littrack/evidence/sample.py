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
    r"elderly|couples|families|households|cases|youths?|teenagers|caregivers|carers|clinicians|providers|"
    r"[A-Z][a-z]+ans)"
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
    # The gap may hold years ("who attended from March 2019 to January 2023 were selected") but no other count.
    re.compile(
        rf"\b{_N} {_QUAL}{_PEOPLE}\b(?:[^.;,\d]|(?<!\d)(?:19|20)\d\d(?!\d)){{0,120}}?\b(?:were|was|had been) {_ENROL}",
        _F,
    ),
    re.compile(rf"\b{_N} (?:were|was|had been) (?:randomi[sz]ed|randomly|enrolled|included|recruited)\b", _F),
    re.compile(
        rf"\b(?:we|study|trial) (?:\w+ )?{_ENROL} (?:(?:the )?(?:course|records|outcomes?|data) (?:of|from|on) )?"
        rf"{_N} {_QUAL}{_PEOPLE}\b",
        _F,
    ),
    # STROBE's setting sentence: "A cross-sectional analysis was conducted among 113,030 adult patients". The
    # subject must be the study: "transplantation, performed in 12 cases" is a procedure in a subgroup.
    re.compile(
        rf"\b(?:study|analysis|survey|investigation|trial) was (?:conducted|performed|carried out|undertaken) "
        rf"(?:among|in|on|with) {_N} {_QUAL}{_PEOPLE}\b",
        _F,
    ),
    re.compile(rf"\bthere were {_N} {_QUAL}{_PEOPLE}\b", _F),
    re.compile(rf"\b(?:interviews?|workshops?|focus groups?|surveys?) (?:with|of|among) {_N} {_QUAL}{_PEOPLE}\b", _F),
    re.compile(rf"\b{_ENROL} {_N} {_QUAL}{_PEOPLE}\b", _F),
    re.compile(rf"\b{_N} consecutive {_QUAL}{_PEOPLE}\b", _F),
    re.compile(
        rf"\b(?:data (?:from|of|on)|records of|a (?:sample|cohort|series|group) of) {_N} {_QUAL}{_PEOPLE}\b", _F
    ),
    re.compile(
        rf"\b{_N} {_QUAL}{_PEOPLE} (?:participated|took part|were followed|completed (?:the )?(?:study|trial|survey|"
        r"questionnaires?|follow-up|assessments?|interviews?))\b",
        _F,
    ),
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
# "Twenty-five patients and fifteen healthy controls were recruited", "A total of 85 youths and 8 staff who
# worked with them participated", "in 386 cases and 896 matched controls": every group of the study, added up.
_GROUPS = (
    re.compile(
        rf"\b{_N} {_QUAL}{_PEOPLE} and {_N} {_QUAL}(?:{_PEOPLE}|controls)\b[^.;\d]{{0,60}}?"
        rf"\s(?:(?:were|was) {_ENROL}|participated|took part)",
        _F,
    ),
    re.compile(
        rf"\b(?:in|of|from|among|including|included|enrolled|recruited|comprising|comprised|between) {_N} "
        rf"{_QUAL}(?:cases|patients)\b[^.;\d]{{0,40}}? and {_N} (?:[\w-]+ ){{0,2}}controls\b",
        _F,
    ),
)
_NOT_A_COUNT = r"(?!\s*(?:%|percent|years?|months?|weeks?|days?|hours?|times|mg|g|kg|ml|cm|mm|of)\b)"
# The sample named first and its size after it: "Participants included 38 community-ambulators", "all
# participants (n = 45,276)", "the total cohort (n = 1,204)".
_NAMED_SAMPLE = (
    re.compile(
        rf"\b(?:participants|patients|subjects|respondents|the (?:study )?(?:sample|cohort|population)) "
        rf"(?:included|comprised|consisted of|were) (?:a total of )?{_N}\b{_NOT_A_COUNT}(?!\s*\()",
        _F,
    ),
    re.compile(
        rf"\b(?:all|the whole|the entire|the total|total) (?:[\w-]+ ){{0,2}}?(?:{_PEOPLE}|sample|cohort|population)"
        r"\s*\(\s*[nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)\s*\)",
        _F,
    ),
)
# A count and its breakdown, "Fifty-nine persons, 23 chronic alcoholics and 36 healthy persons, had ...": the
# parts add up to the count, so it is the whole sample even without a study verb.
_BROKEN_DOWN = re.compile(
    rf"(?:^|[.:]\s+){_N} {_QUAL}{_PEOPLE}\s*[,(:]\s*(\d+) [^.;,()]{{1,100}}?(?:,| and) (\d+) [^.;()]{{1,100}}?[,)]",
    re.MULTILINE,
)
# Where a structured abstract describes its sample (PATIENTS AND METHODS, PARTICIPANTS, DESIGN, …).
_METHODS_LABEL = re.compile(
    r"^(?:patients?|participants?|subjects?|(?:materials? and )?methods?|design|setting|study population|sample)"
    r"[^:\n]{0,40}:",
    re.IGNORECASE | re.MULTILINE,
)
_METHODS_COUNT = re.compile(rf"\b{_N} {_QUAL}{_PEOPLE}\b", _F)
# "in 3 of 11 patients", "15 of 166 cases": the denominator is the people the result was counted in.
_DENOMINATOR = re.compile(rf"\b\d+ (?:of|out of) {_N}\s*(?:\([^)]*\)\s*)?{_QUAL}{_PEOPLE}\b", _F)
_N_EQUALS = re.compile(r"\b[nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)\b")
# Not "Among the 188 patients with a tumour": "the" points back to a group already named, often a subgroup.
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
    groups = [(to_int(m.group(1)), to_int(m.group(2))) for pattern in _GROUPS for m in pattern.finditer(text)]
    found = [a + b for a, b in groups if a and b] + _counts(text, _TOTALS) + _counts(text, _NAMED_SAMPLE)
    found += [n for m in _BROKEN_DOWN.finditer(text) if (n := to_int(m.group(1))) == int(m.group(2)) + int(m.group(3))]
    if found:
        return max(found)
    arms = _arm_sum(abstract)
    if arms is not None:
        return arms
    equals = [m for m in _N_EQUALS.finditer(text) if not _is_part(text, m)]
    if len(equals) == 1 and len(_N_EQUALS.findall(text)) == 1:
        return to_int(equals[0].group(1))
    found = _counts(abstract, _OPENING) or _counts(title, (re.compile(rf"\b{_N} {_QUAL}{_PEOPLE}\b", _F),))
    if found:
        return max(found)
    methods = _methods_count(abstract)
    if methods is not None:
        return methods
    # One denominator throughout ("3 of 11 patients", "19 of 31 patients") is the people studied; two or more,
    # or one said of a group or arm, are subgroups.
    matches = list(_DENOMINATOR.finditer(abstract))
    denominators = {to_int(m.group(1)) for m in matches}
    if len(denominators) == 1 and not any(_of_a_group(abstract, m) for m in matches):
        return denominators.pop()
    return None


def _methods_count(abstract: str) -> int | None:
    """The first count of people in the section a structured abstract describes its sample in (not a group's)."""
    for line in abstract.splitlines():
        if not _METHODS_LABEL.match(line):
            continue
        for match in _METHODS_COUNT.finditer(line):
            n = _counts(match.group(0), (_METHODS_COUNT,))
            # "in 116 patients with CP and in 188 with cancer": the first of a list is one group.
            listed = re.match(r"[^.;]{0,60}?\b(?:and|or|versus|vs\.?)\s+(?:in\s+)?\d", line[match.end() :])
            if n and not listed and not _is_part(line, match) and not _of_a_group(line, match):
                return n[0]
    return None


def _of_a_group(text: str, match: re.Match[str]) -> bool:
    """The count is said of one group or arm ("In the ketamine group, 20 patients", "8 of 20 in the placebo arm")."""
    near = text[max(0, match.start() - 60) : match.end() + 40]
    return bool(re.search(r"\b(?:group|arm|cohort [A-Z0-9])\b", near, re.IGNORECASE))


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
