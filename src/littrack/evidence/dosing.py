"""Doses bound to their drug, ketamine's routes and forms, and the parts of an infusion regimen.

A dose belongs to the drug the sentence gives it to, never simply to the nearest "ketamine":

- the drug written just before it, with only dosing words between ("ketamine 0.5 mg/kg", "ketamine was
  infused at 0.5 mg/kg/h", "S(+)-ketamine (total dose 0.5 mg/kg)"), else
- the drug written just after it ("0.5 mg/kg ketamine", "10 mg of morphine").

A clause break (versus, or, compared with, ";", "and" before another drug) ends the search, so in
"ketamine 0.5 mg/kg versus lidocaine 1.5 mg/kg" the second dose is lidocaine's, in "Morphine 10 mg was
compared with ketamine infusion" 10 mg is morphine's, and a dose with no drug in reach is dropped. Drugs are
recognised from a list and from drug-name endings (-caine, -azolam, -fentanil, …), so an unknown comparator
still takes its own dose away from ketamine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from littrack.models import Dose, Drug, Regimen

_F = re.IGNORECASE

# Ketamine and its enantiomers, most specific first; each maps to the name shown on a chip.
_KETAMINES: tuple[tuple[Drug, str], ...] = (
    (Drug.ESKETAMINE, r"esketamine|s\s*\(\+\)\s*-?\s*ketamine|\(s\)-ketamine|s-ketamine|\(\+\)-ketamine"),
    (Drug.ARKETAMINE, r"arketamine|r\s*\(-\)\s*-?\s*ketamine|\(r\)-ketamine|r-ketamine|\(-\)-ketamine"),
    (Drug.RACEMIC, r"racemic ketamine|ketamine racemate|\(r,s\)-ketamine|rs-ketamine"),
    (Drug.KETAMINE, r"ketamine|ketalar|ketanest|spravato"),
)
_KETAMINE_ANY = re.compile(r"(?<![\w-])(?:" + "|".join(p for _, p in _KETAMINES) + r")(?![\w])", _F)
# Comparators and co-medications common in ketamine and pain trials; the endings catch the rest.
_OTHER_DRUGS = (
    r"lidocaine|lignocaine|morphine|midazolam|magnesium(?: sulfate| sulphate)?|dexmedetomidine|propofol|fentanyl|"
    r"remifentanil|sufentanil|alfentanil|hydromorphone|oxycodone|methadone|tramadol|tapentadol|buprenorphine|"
    r"naloxone|naltrexone|gabapentin|pregabalin|amitriptyline|nortriptyline|duloxetine|milnacipran|memantine|"
    r"amantadine|dextromethorphan|clonidine|esmolol|paracetamol|acetaminophen|ibuprofen|ketorolac|parecoxib|"
    r"celecoxib|diclofenac|dexamethasone|methylprednisolone|prednisolone|ondansetron|droperidol|haloperidol|"
    r"bupivacaine|ropivacaine|levobupivacaine|mepivacaine|etomidate|thiopental|methohexital|sevoflurane|"
    r"isoflurane|desflurane|nitrous oxide|diazepam|lorazepam|clonazepam|alprazolam|cyclobenzaprine|baclofen|"
    r"tizanidine|pamidronate|neridronate|zoledronate|alendronate|calcitonin|vitamin c|ascorbic acid|"
    r"n-acetylcysteine|psilocybin|mdma|esmolol|atropine|glycopyrrolate|neostigmine|sugammadex|rocuronium|"
    r"succinylcholine|cisatracurium|vecuronium|saline|placebo|botulinum toxin|capsaicin|cannabidiol|thc|"
    r"dronabinol|nabilone|lithium|sertraline|fluoxetine|escitalopram|citalopram|venlafaxine|bupropion|"
    r"aripiprazole|quetiapine|olanzapine|risperidone|tranylcypromine|phenelzine|electroconvulsive therapy"
)
_DRUG_ENDINGS = (
    r"[a-z]{3,}(?:caine|azolam|azepam|fentanil|fentanyl|morphone|codone|profen|olol|pril|sartan|statin|mab|"
    r"oxetine|triptyline|setron|dronate|floxacin|cycline|cillin|mycin|barbital|medetomidine|coxib|dopa|"
    r"tidine|prazole|semide|thiazide|parin|xaban|gatran|vudine|navir|asone|olone|zolid|conazole|tinib|platin|taxel|"
    r"rubicin|abine|sterone|estrogen|oestrogen|gesterone)|aspirin|furosemide|insulin|heparin|warfarin"
)
_OTHER_DRUG = re.compile(rf"\b(?:{_OTHER_DRUGS}|{_DRUG_ENDINGS})\b", _F)

_AMOUNT = r"(\d+(?:\.\d+)?(?:\s*(?:-|–|to)\s*\d+(?:\.\d+)?)?)"
_PER_KG = r"(?:\s*(?:/|·|\.|per)\s*kg(?:\s*(?:-1|−1|⁻¹))?|\s+kg\s*(?:-1|−1|⁻¹))"
_PER_TIME = r"(?:\s*(?:/|·|per)\s*(h|hr|hour|min|minute|day|d)\b|\s+(h|hr|min)\s*(?:-1|−1|⁻¹))"
_DOSE = re.compile(
    # Doses per body surface ("75 mg/m2", "1000 mg per square meter") or concentrations are not shown at all:
    # showing "1000 mg" would be wrong, and these units are not how ketamine is given.
    rf"(?<![\d.]){_AMOUNT}\s*(mg|µg|μg|mcg|ug|g)\b({_PER_KG})?(?:{_PER_TIME})?"
    r"(?!\s*(?:/|per)\s*(?:ml\b|l\b|dl\b|m2|m\(2\)|m²|square met|body[- ]surface))",
    _F,
)
# Words allowed between a drug and its dose ("ketamine was infused at a rate of 0.5 mg/kg/h").
_LINK = re.compile(
    r"^[\s(:,]*(?:(?:hydrochloride|hcl|was|were|is|given|administered|infused|injected|delivered|titrated|"
    r"started|continued|as|an?|the|at|of|in|with|dose[sd]?|doses of|rate|bolus|infusion|continuous|loading|"
    r"maintenance|total|single|low|sub-?anaesthetic|sub-?anesthetic|subanaesthetic|subanesthetic|"
    r"intravenous(?:ly)?|intranasal(?:ly)?|oral(?:ly)?|i\.?v\.?|iv|im|sc|sublingual(?:ly)?|"
    r"intramuscular(?:ly)?|subcutaneous(?:ly)?|nasal|spray|up|to|from|followed|by|then|over|"
    r"\d+(?:\.\d+)?\s*(?:-|–)?\s*(?:min(?:ute)?s?|h(?:ours?)?|hr)|mg/kg|mg|µg/kg|per|kg|h)\b[\s(:,]*)*$",
    _F,
)
_LINK_AFTER = re.compile(r"^[\s)]*(?:of\s+)?(?:(?:intravenous|intranasal|oral|iv|i\.v\.|racemic|an?)\s+)*$", _F)
_SAME_LIST = re.compile(r"^\s*(?:,|or|and|to|/)\s*(?:,|or|and)?\s*$", _F)
_REACH = 70  # characters before a dose in which its drug may be named

_ROUTES: tuple[tuple[str, str], ...] = (
    ("IV", r"intravenous(?:ly)?|i\.v\.|(?<!phase )(?<!stage )(?<!grade )(?<!type )(?-i:IV)\b|infusions?|infused"),
    ("intranasal", r"intra-?nasal(?:ly)?|nasal spray|nasally"),
    ("oral", r"oral(?:ly)?|per os|tablets?|capsules?|lozenges?"),
    ("sublingual", r"sublingual(?:ly)?"),
    ("IM", r"intramuscular(?:ly)?|i\.m\.|(?-i:IM)\b"),
    ("subcutaneous", r"subcutaneous(?:ly)?|s\.c\.|(?-i:SC)\b"),
    ("topical", r"topical(?:ly)?|cream|gel|ointment|patch"),
)
_ROUTE_RES = tuple((name, re.compile(rf"(?<![\w-])(?:{p})", _F)) for name, p in _ROUTES)
_ROUTE_WINDOW = 35

_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(])|\n")


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    name: str  # chip name: a Drug value for ketamines, else the lower-case word


def _drug_mentions(sentence: str) -> list[_Mention]:
    out = []
    for match in _KETAMINE_ANY.finditer(sentence):
        out.append(_Mention(match.start(), match.end(), ketamine_name(match.group(0))))
    for match in _OTHER_DRUG.finditer(sentence):
        if not any(m.start <= match.start() < m.end for m in out):
            out.append(_Mention(match.start(), match.end(), match.group(0).lower()))
    return sorted(out, key=lambda m: m.start)


def ketamine_name(text: str) -> str:
    """'esketamine', 'arketamine', 'racemic ketamine' or 'ketamine' for a ketamine mention."""
    for drug, pattern in _KETAMINES:
        if re.fullmatch(pattern, text, _F):
            return drug.value
    return Drug.KETAMINE.value


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _owner(sentence: str, dose: re.Match[str], drugs: list[_Mention]) -> _Mention | None:
    """The drug this dose belongs to (module docstring), or None when none is in reach."""
    before = [d for d in drugs if d.end <= dose.start() and dose.start() - d.end <= _REACH]
    if before:
        drug = before[-1]
        if _LINK.match(sentence[drug.end : dose.start()]):
            return drug
    after = [d for d in drugs if d.start >= dose.end() and d.start - dose.end() <= 25]
    if after and _LINK_AFTER.match(sentence[dose.end() : after[0].start]):
        return after[0]
    return None


def _route_near(sentence: str, start: int, end: int) -> str | None:
    """The route word closest to the drug-and-dose span, within a few words of it."""
    offset = max(0, start - _ROUTE_WINDOW)
    window = sentence[offset : end + _ROUTE_WINDOW]
    best: tuple[int, str] | None = None
    for name, pattern in _ROUTE_RES:
        for m in pattern.finditer(window):
            gap = max(start - (offset + m.end()), (offset + m.start()) - end, 0)
            if best is None or gap < best[0]:
                best = (gap, name)
    return best[1] if best else None


def doses(text: str) -> tuple[Dose, ...]:
    """Every dose the text gives a named drug, ketamine family first, each once, in text order."""
    found: list[Dose] = []
    for sentence in sentences(text):
        drugs = _drug_mentions(sentence)
        if not drugs:
            continue
        previous: tuple[int, _Mention | None] = (-1, None)
        for match in _DOSE.finditer(sentence):
            owner = _owner(sentence, match, drugs)
            # "esketamine 56 mg or 84 mg": a dose listed right after another belongs to the same drug.
            if owner is None and previous[1] and _SAME_LIST.match(sentence[previous[0] : match.start()]):
                owner = previous[1]
            previous = (match.end(), owner)
            if owner is None or owner.name in ("placebo", "saline"):
                continue
            amount = re.sub(r"\s*(?:–|to)\s*|\s*-\s*", "-", match.group(1))
            unit = match.group(2).replace("μ", "µ").replace("mcg", "µg").replace("ug", "µg")
            rate = match.group(4) or match.group(5)
            dose = Dose(
                drug=owner.name,
                amount=amount,
                unit=unit.lower() if unit.lower() != "µg" else "µg",
                per_kg=bool(match.group(3)),
                rate={"hr": "h", "hour": "h", "minute": "min", "d": "day"}.get(rate.lower(), rate.lower())
                if rate
                else None,
                route=_route_near(sentence, min(owner.start, match.start()), max(owner.end, match.end())),
            )
            same = [
                d
                for d in found
                if (d.drug, d.amount, d.unit, d.per_kg, d.rate)
                == (dose.drug, dose.amount, dose.unit, dose.per_kg, dose.rate)
            ]
            if not same:
                found.append(dose)
            elif dose.route and not same[0].route:
                found[found.index(same[0])] = dose
    return tuple(sorted(found, key=lambda d: not d.drug.endswith("ketamine")))


def ketamine_sentences(text: str) -> list[str]:
    return [s for s in sentences(text) if _KETAMINE_ANY.search(s)]


def routes(text: str) -> tuple[str, ...]:
    """Routes named within a few words of a ketamine mention, in a fixed order."""
    found = set()
    for sentence in ketamine_sentences(text):
        for match in _KETAMINE_ANY.finditer(sentence):
            route = [
                name
                for name, pattern in _ROUTE_RES
                if pattern.search(sentence[max(0, match.start() - 25) : match.end() + 40])
            ]
            found.update(route)
    return tuple(name for name, _ in _ROUTES if name in found)


def drugs(text: str) -> tuple[Drug, ...]:
    """Which ketamine(s) the text names: esketamine, arketamine, racemic, or plain ketamine."""
    names = {ketamine_name(m.group(0)) for m in _KETAMINE_ANY.finditer(text)}
    return tuple(d for d in Drug if d.value in names)


_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty)"
_SMALL = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_HOURS_PER_DAY = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*(?:h|hr|hours?)\s*(?:/|per|a|each)\s*day\b|\b(\d+(?:\.\d+)?)\s*(?:h|hours?) daily\b", _F
)
_DAYS = re.compile(rf"\b(?:for|over|on) {_NUMBER} (?:consecutive |successive )?days\b|\b{_NUMBER}-day infusion", _F)
_SESSIONS = re.compile(rf"\b{_NUMBER} (?:\w+ ){{0,2}}(?:infusions|sessions|treatments|administrations|doses)\b", _F)
_TOTAL = re.compile(
    r"\b(?:total|cumulative) (?:ketamine )?dose (?:of |was |: )?(\d+(?:\.\d+)?\s*(?:mg|µg|μg|mcg)(?:\s*/\s*kg)?)", _F
)
_LENGTH = (
    re.compile(r"\b(\d+(?:\.\d+)?)[- ](minute|min|hour|h|hr)s?[- ](?:continuous |intravenous |IV )?infusions?\b", _F),
    re.compile(r"\binfus(?:ed|ions?)\b[^;]{0,40}? over (\d+(?:\.\d+)?) ?(minute|min|hour|h|hr)s?\b", _F),
)
_UNIT_NAMES = {"minute": "minute", "min": "minute", "hour": "hour", "h": "hour", "hr": "hour"}


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _SMALL[word.lower()]


def regimen(text: str) -> Regimen:
    """Infusion length, hours per day, days, sessions and total dose, from ketamine sentences only."""
    hours = days = sessions = total = length = None
    for sentence in ketamine_sentences(text):
        if hours is None and (m := _HOURS_PER_DAY.search(sentence)):
            hours = f"{m.group(1) or m.group(2)} h/day"
        if days is None and (m := _DAYS.search(sentence)):
            days = _count(m.group(1) or m.group(2))
        if sessions is None and (m := _SESSIONS.search(sentence)):
            n = _count(m.group(1))
            sessions = n if 1 < n <= 50 else None
        if total is None and (m := _TOTAL.search(sentence)):
            total = re.sub(r"(\d)\s*(?=[mµμ])", r"\1 ", re.sub(r"\s*/\s*", "/", m.group(1))).replace("μ", "µ")
        for pattern in _LENGTH:
            if length is None and (m := pattern.search(sentence)):
                length = f"{m.group(1)}-{_UNIT_NAMES[m.group(2).lower()]} infusion"
    return Regimen(hours_per_day=hours, infusion_length=length, days=days, sessions=sessions, total_dose=total)
