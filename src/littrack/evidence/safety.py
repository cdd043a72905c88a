"""Does a paper report harm from ketamine? The rule behind the digest's safety lane.

Evidence-design ranking puts case reports, pharmacovigilance studies and letters at the bottom, yet harms
surface there first; the lane lifts them out. A paper qualifies in one of two ways, and the lane shows which:

**MeSH** (NLM's indexing; fully indexed records):

- ``Ketamine`` with the subheading *adverse effects*, *poisoning* or *toxicity* as a major topic; or
- such a subheading (major or not) together with a harm heading: a condition subheaded *chemically induced*
  (``Cystitis/chemically induced``), a heading that is drug harm by definition (``Chemical and Drug Induced
  Liver Injury``, ``Drug-Related Side Effects and Adverse Reactions``, ``Substance-Related Disorders``, …),
  a pharmacovigilance heading (``Adverse Drug Reaction Reporting Systems``, ``Pharmacovigilance``), or the
  publication type *Case Reports*; or
- ``Ketamine`` without *therapeutic use* beside ``Substance-Related Disorders`` (or ``Psychoses,
  Substance-Induced``, …) that is not subheaded as treated: ketamine misuse, not ketamine as a treatment
  for addiction.

A non-major ``Ketamine/adverse effects`` alone is not enough: indexers add it to most trials that report
side effects at all, and the lane would then hold every ketamine trial.

**Text** (any record, and the only way for one not yet indexed): a phrase in the title, the author keywords,
a stated objective or the conclusion where ketamine is the cause of the harm — "ketamine-induced cystitis",
"ketamine uropathy", "cholangiopathy in ketamine abusers", "recreational ketamine use", "ketamine
dependence", "adverse events associated with esketamine", or a pharmacovigilance study (FAERS, VigiBase,
disproportionality) of ketamine. Background sentences are not read (a trial's introduction often mentions
ketamine abuse), phrases after a negation ("no ketamine-related adverse events") do not count, and ketamine
treating a harm ("ketamine for alcohol use disorder", "esketamine to prevent delirium") never matches,
because every pattern needs ketamine as the agent.

Animal and in-vitro work (models of ketamine cystitis, say) stays out of the lane: it is mechanism, not a
report of harm in patients; it keeps its place among the topic's preclinical papers. So do retraction and
erratum notices. The measured precision of this rule is in ``tests/safety_eval/RESULTS.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from littrack.evidence.summary import conclusion
from littrack.markup import to_plain
from littrack.models import Design, Evidence, Harm, MeshHeading, Paper, SafetySignal

__all__ = ["safety_signal"]

# --- MeSH -----------------------------------------------------------------------------------------

_KETAMINE = "Ketamine"
_HARM_QUALIFIERS = ("adverse effects", "poisoning", "toxicity")
_TREATED = frozenset({"drug therapy", "therapy", "prevention & control", "rehabilitation", "surgery"})

# Headings that name a drug harm by themselves; counted beside a ketamine harm subheading.
_DRUG_HARM_HEADINGS: dict[str, Harm] = {
    "Chemical and Drug Induced Liver Injury": Harm.LIVER,
    "Chemical and Drug Induced Liver Injury, Chronic": Harm.LIVER,
    "Drug-Related Side Effects and Adverse Reactions": Harm.ADVERSE_EVENTS,
    "Adverse Drug Reaction Reporting Systems": Harm.ADVERSE_EVENTS,
    "Pharmacovigilance": Harm.ADVERSE_EVENTS,
    "Product Surveillance, Postmarketing": Harm.ADVERSE_EVENTS,
    "Drug Overdose": Harm.ADVERSE_EVENTS,
}
# Misuse headings: count beside Ketamine (without therapeutic use) even when Ketamine has no harm subheading.
_MISUSE_HEADINGS: dict[str, Harm] = {
    "Substance-Related Disorders": Harm.MISUSE,
    "Substance Abuse, Intravenous": Harm.MISUSE,
    "Substance Withdrawal Syndrome": Harm.MISUSE,
    "Drug Misuse": Harm.MISUSE,
    "Prescription Drug Misuse": Harm.MISUSE,
    "Recreational Drug Use": Harm.MISUSE,
    "Psychoses, Substance-Induced": Harm.PSYCHIATRIC,
}
# Conditions that are a harm only when subheaded "chemically induced"; they also tell which harm.
_ORGAN_HEADINGS: dict[str, Harm] = {
    **dict.fromkeys(
        (
            "Cystitis",
            "Cystitis, Interstitial",
            "Lower Urinary Tract Symptoms",
            "Urinary Bladder Diseases",
            "Urinary Bladder, Neurogenic",
            "Urologic Diseases",
            "Hydronephrosis",
            "Ureteral Obstruction",
            "Kidney Diseases",
            "Renal Insufficiency",
            "Acute Kidney Injury",
            "Hematuria",
        ),
        Harm.URINARY,
    ),
    **dict.fromkeys(
        (
            "Liver Diseases",
            "Cholangitis",
            "Bile Duct Diseases",
            "Cholestasis",
            "Liver Cirrhosis",
            "Biliary Tract Diseases",
        ),
        Harm.LIVER,
    ),
    **dict.fromkeys(
        (
            "Psychoses, Substance-Induced",
            "Psychotic Disorders",
            "Hallucinations",
            "Dissociative Disorders",
            "Delirium",
            "Emergence Delirium",
            "Cognitive Dysfunction",
            "Cognition Disorders",
            "Memory Disorders",
            "Neurotoxicity Syndromes",
        ),
        Harm.PSYCHIATRIC,
    ),
    **dict.fromkeys(
        (
            "Hypertension",
            "Tachycardia",
            "Arrhythmias, Cardiac",
            "Heart Arrest",
            "Myocardial Infarction",
            "Myocardial Ischemia",
            "Heart Failure",
            "Cardiotoxicity",
            "Cardiovascular Diseases",
            "Stroke",
        ),
        Harm.CARDIOVASCULAR,
    ),
}

# --- text -----------------------------------------------------------------------------------------

_K = r"(?:(?:es|ar|[sr]-|\([sr]\)-)?ketamine(?:['’]s)?)"
_HARM_WORDS: dict[Harm, str] = {
    Harm.URINARY: (
        r"cystitis|uropath\w*|bladder(?: syndrome| dysfunction| damage| contracture)?|urinary tract(?: \w+)?"
        r"|lower urinary tract symptoms|luts|hydronephrosis|uret\w+ (?:stricture|stenosis)|nephropath\w*"
        r"|renal (?:failure|damage|impairment|injury)|urolog\w+ (?:effects|complications|damage|sequelae)"
    ),
    Harm.LIVER: (
        r"liver (?:injury|damage|dysfunction|toxicity|fibrosis)|hepatotoxicity|hepatic (?:injury|toxicity|dysfunction)"
        r"|cholangiopath\w*|cholangitis|biliary (?:dilatation|dilation|injury|dysfunction|tract damage)"
        r"|bile duct (?:dilatation|dilation|injury)|cholestasis|hepatobiliary \w+"
    ),
    Harm.PSYCHIATRIC: (
        r"psychosis|psychoses|psychotic (?:symptoms|disorder|episodes?)|psychotomimetic (?:effects|symptoms)"
        r"|dissociation|dissociative (?:symptoms|effects|side[- ]effects)|hallucinations|delirium|mania"
        r"|(?:neuro)?cognitive (?:impairment|deficits?|dysfunction|decline|effects|toxicity)"
        r"|memory (?:impairment|deficits?|loss)|neurotoxicity|schizotypal \w+"
    ),
    Harm.MISUSE: (
        r"abuse|misuse|(?<!dose[- ])dependence|addiction|use disorder|withdrawal(?: syndrome)?|diversion|craving"
    ),
    Harm.CARDIOVASCULAR: (
        r"hypertension|hypertensive \w+|tachycardia|arrhythmias?|cardiac (?:arrest|events|toxicity|injury)"
        r"|cardiotoxicity|myocardial (?:infarction|injury|ischa?emia)|heart failure|qt prolongation"
        r"|cardiovascular (?:events|effects|complications|toxicity)"
    ),
    Harm.ADVERSE_EVENTS: (
        r"adverse (?:drug )?(?:events?|effects?|reactions?)|side[- ]effects|toxicity|poisoning|overdoses?"
        r"|deaths?|fatalit\w+|intoxications?"
    ),
}
_ANY_HARM = "|".join(f"(?P<{h.name}>{w})" for h, w in _HARM_WORDS.items())
_NONMEDICAL_WORDS = r"chronic|recreational|illicit|heavy|frequent|long[- ]term|regular|street|non-?medical"
_QUALIFIER = rf"(?:{_NONMEDICAL_WORDS})"
# How the ketamine was taken, between a harm and its cause: "hepatotoxicity after repeated ketamine infusions".
_HOW = rf"(?:{_NONMEDICAL_WORDS}|repeated|prolonged|high[- ]dose|low[- ]dose|intravenous|oral|intranasal|nasal|medical)"
_USE = r"(?:use|users?|abuse|abusers?|misuse|self[- ]administration|consumption|exposure|dependence)"
_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # ketamine-induced cystitis, ketamine-associated ulcerative cystitis, ketamine-related cholangiopathy
        rf"\b{_K}[- ](?:\w+[- ])?(?:induced|associated|related|attributed)\s+(?:[\w-]+\s+){{0,2}}?(?:{_ANY_HARM})\b",
        # ketamine cystitis, ketamine uropathy, ketamine bladder, ketamine dependence, ketamine toxicity
        rf"\b{_K}\s+(?:{_ANY_HARM})\b",
        # cholangiopathy in ketamine abusers, cystitis due to the use of ketamine, psychosis after chronic ketamine use
        rf"\b(?:{_ANY_HARM})\s+(?:\w+\s+){{0,3}}?(?:after|following|due to|caused by|induced by|associated with"
        rf"|secondary to|attributed to|related to|from|of|in|among)\s+(?:the\s+|an?\s+)?(?:{_HOW}\s+){{0,2}}"
        rf"(?:(?:use|abuse|misuse|users|abusers) of\s+)?(?:{_HOW}\s+){{0,2}}{_K}\b",
        # abuse of ketamine, misuse of esketamine
        rf"\b(?P<MISUSE_OF>abuse|misuse|diversion) of {_K}\b",
    )
)
# Ketamine taken outside medicine: a report on its users is a report on its harms.
_NONMEDICAL = re.compile(
    rf"\b{_QUALIFIER}\s+{_K}\s+{_USE}\b"
    rf"|\b{_K}[- ](?:abusers?|dependent|users)\b",
    re.IGNORECASE,
)
_PHARMACOVIGILANCE = re.compile(
    r"\b(?:pharmacovigilance|FAERS|adverse event reporting system|disproportionality|vigibase|eudravigilance"
    r"|yellow card|spontaneous(?: adverse event)? reports|post-?marketing safety|safety signals?)\b",
    re.IGNORECASE,
)
_MENTIONS_KETAMINE = re.compile(rf"\b{_K}\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:no|not|without|absence of|free of|never|nor|lack of)\b(?:\W+\w+){0,4}\W*$", re.IGNORECASE)
_OBJECTIVE_LABEL = re.compile(r"^(?:objectives?|aims?|purpose|goals?|aims? and objectives?)\b", re.IGNORECASE)
_EXCERPT_CHARS = 60
_SIDE_EFFECTS = frozenset({Harm.ADVERSE_EVENTS, Harm.PSYCHIATRIC})


def safety_signal(paper: Paper, evidence: Evidence | None = None) -> SafetySignal | None:
    """Why ``paper`` belongs in the safety lane (see the module docstring), or None when it does not."""
    if evidence is not None and (evidence.human is False or evidence.design == Design.NOTICE):
        return None
    harms: list[Harm] = []
    reasons: list[str] = []
    mesh = _mesh_signal(paper)
    if mesh is not None:
        harms.extend(mesh[0])
        reasons.append(mesh[1])
    for where, text in _focus_texts(paper):
        found = _text_signal(text, closing=where == "conclusion")
        if found is None:
            continue
        harms.extend(found[0])
        reasons.append(f"{where}: “{found[1]}”")
        break  # one quoted phrase is enough to show why
    if not reasons:
        return None
    specific = [h for h in dict.fromkeys(harms) if h != Harm.ADVERSE_EVENTS]
    return SafetySignal(tuple(specific or [Harm.ADVERSE_EVENTS]), tuple(reasons))


def _mesh_signal(paper: Paper) -> tuple[list[Harm], str] | None:
    ketamine = next((m for m in paper.mesh if m.descriptor == _KETAMINE), None)
    if ketamine is None:
        return None
    harm_quals = [(q, major) for q, major in ketamine.qualifiers if q in _HARM_QUALIFIERS]
    major = any(major for _, major in harm_quals) or (ketamine.major and bool(harm_quals))
    treats = any(q == "therapeutic use" for q, _ in ketamine.qualifiers)
    harms: list[Harm] = []
    named: list[str] = []
    for heading in paper.mesh:
        quals = {q for q, _ in heading.qualifiers}
        treated_only = bool(quals) and quals <= _TREATED
        if heading.descriptor in _DRUG_HARM_HEADINGS and harm_quals and not treated_only:
            harms.append(_DRUG_HARM_HEADINGS[heading.descriptor])
            named.append(_heading(heading))
        elif heading.descriptor in _MISUSE_HEADINGS and not treated_only and (harm_quals or not treats):
            harms.append(_MISUSE_HEADINGS[heading.descriptor])
            named.append(_heading(heading))
        elif heading.descriptor in _ORGAN_HEADINGS and "chemically induced" in quals and harm_quals:
            harms.append(_ORGAN_HEADINGS[heading.descriptor])
            named.append(_heading(heading, only="chemically induced"))
    case_report = harm_quals and "Case Reports" in paper.publication_types
    if not (major or named or case_report):
        return None
    shown = [_heading(ketamine, only=harm_quals[0][0])] if harm_quals else [_heading(ketamine, only="")]
    if case_report and not named:
        named.append("publication type Case Reports")
    return harms or [Harm.ADVERSE_EVENTS], "MeSH " + ", ".join(shown + named[:2])


def _heading(heading: MeshHeading, *, only: str | None = None) -> str:
    """'Ketamine/adverse effects*' (star: major topic), the way PubMed writes it."""
    quals = [(q, m) for q, m in heading.qualifiers if only is None or q == only] if only != "" else []
    if not quals:
        return heading.descriptor + ("*" if heading.major else "")
    q, major = quals[0]
    return f"{heading.descriptor}/{q}" + ("*" if major or heading.major else "")


def _focus_texts(paper: Paper) -> Iterable[tuple[str, str]]:
    """Where a paper says what it is about: title, keywords, stated objective, conclusion (not its background)."""
    yield "title", paper.title_plain
    if paper.keywords:
        yield "keywords", "; ".join(paper.keywords)
    for section in paper.abstract:
        if section.label and _OBJECTIVE_LABEL.match(section.label):
            yield "objective", to_plain(section.text)
    closing = conclusion(paper.abstract)
    if closing:
        yield "conclusion", closing


def _text_signal(text: str, *, closing: bool = False) -> tuple[list[Harm], str] | None:
    """Harms and the quoted phrase when ``text`` names ketamine as the cause of a harm.

    ``closing``: the text is a conclusion. Trials routinely close on their side effects ("ketamine-induced
    dissociation was transient"), so there only organ harms and misuse count, not side effects in general.
    """
    harms: list[Harm] = []
    first: str | None = None
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if _negated(text, match.start()):
                continue
            found = [Harm[name] for name, value in match.groupdict().items() if value and name in Harm.__members__]
            if match.groupdict().get("MISUSE_OF"):
                found.append(Harm.MISUSE)
            found = found or [Harm.ADVERSE_EVENTS]
            if closing and not set(found) - _SIDE_EFFECTS:
                continue
            harms.extend(found)
            first = first or _excerpt(match.group(0))
    nonmedical = _NONMEDICAL.search(text)
    if nonmedical and not _negated(text, nonmedical.start()):
        harms.append(Harm.MISUSE)
        first = first or _excerpt(nonmedical.group(0))
    if first is not None:  # every harm the text names, quoting the first phrase
        return harms, first
    if closing:
        return None
    pv = _PHARMACOVIGILANCE.search(text)
    if pv and _MENTIONS_KETAMINE.search(text):
        return [Harm.ADVERSE_EVENTS], _excerpt(pv.group(0))
    return None


def _negated(text: str, start: int) -> bool:
    """'no ketamine-related adverse events', 'without ketamine-induced hepatotoxicity'."""
    sentence_start = max(text.rfind(". ", 0, start), text.rfind("; ", 0, start))
    return bool(_NEGATION.search(text[sentence_start + 1 : start]))


def _excerpt(phrase: str) -> str:
    phrase = " ".join(phrase.split())
    return phrase if len(phrase) <= _EXCERPT_CHARS else phrase[: _EXCERPT_CHARS - 1].rstrip() + "…"
