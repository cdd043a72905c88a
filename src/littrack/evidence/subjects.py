"""Who the study itself was done on: people, animals, or cells, from the title and the abstract's own study part.

How it decides (issue 12): animal and in-vitro work is preclinical whatever MeSH or the introduction says,
unless the study itself has human participants.

- The *study part* of an abstract is everything after its background: structured abstracts drop sections
  labelled Background / Introduction / Context / Rationale; unstructured ones drop the opening sentences
  until the first that speaks of the study ("we", "this study", "were", …). A rat-model abstract that opens
  "Ketamine is used in patients with CRPS" therefore does not count as having patients.
- *Human participants* need a study action or a count: "48 patients were randomized", "we enrolled
  volunteers", "in 12 healthy subjects", "participants completed". A bare "patients" in a conclusion
  ("may benefit patients") is not a participant.
- *Animal* cues are species, strains and "animal model"; *in-vitro* cues are cell lines, cultures, assays on
  tissue, "in vitro". Cells taken from an animal ("rat hepatocytes were cultured") are in vitro unless the
  animals themselves were treated ("in vivo", "rats received").
"""

from __future__ import annotations

import re

from littrack.evidence.numbers import NUMBER_WORDS
from littrack.models import AbstractSection, Subjects

_FLAGS = re.IGNORECASE | re.MULTILINE

_BACKGROUND_LABEL = re.compile(r"^(?:background|introduction|context|rationale|importance|purpose of review)", _FLAGS)
_STUDY_SENTENCE = re.compile(
    r"\b(?:we|our|this (?:study|trial|report|work|paper)|the present (?:study|work)|here(?:in)?|were|was)\b", _FLAGS
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")

_ANIMAL = re.compile(
    r"\b(?:rats?|mice|mouse|murine|rodents?|rabbits?|dogs?|canine|cats?|feline|pigs?|piglets?|porcine|swine|"
    r"sheep|ovine|lambs?|goats?|cattle|bovine|cows?|calves|horses?|equine|ponies|monkeys?|macaques?|"
    r"non-?human primates?|cynomolgus|rhesus|baboons?|marmosets?|zebrafish|drosophila|c\. elegans|"
    r"guinea[- ]pigs?|hamsters?|"
    r"gerbils?|ferrets?|chickens?|chicks|broilers?|quails?|frogs?|xenopus|tadpoles?|fish|larvae|"
    r"animal models?|sprague[- ]dawley|wistar|long[- ]evans|c57bl/?6j?|balb/c|knock-?out mice|transgenic mice|"
    r"(?:male|female|adult|neonatal|pregnant) (?:\w+ )?(?:rats|mice|animals)|animals)\b",
    _FLAGS,
)
_IN_VIVO = re.compile(r"\bin vivo\b|\b(?:rats|mice|animals) (?:were|received|was)\b", _FLAGS)
_IN_VITRO = re.compile(
    r"\b(?:in vitro|ex vivo|cell lines?|cell cultures?|cultured (?:\w+ ){0,2}cells|primary cultures?|"
    r"(?:hepatocytes|fibroblasts|keratinocytes|neurons|astrocytes|microglia|myocytes|cardiomyocytes|"
    r"lymphocytes|macrophages|platelets|erythrocytes|cells) (?:were )?(?:cultured|incubated|exposed|treated)|"
    r"organoids?|microsomes|cytotoxicity assay|hep ?g2|hek ?293|sh-sy5y|pc12|hela|mcf-7|caco-2|jurkat)\b",
    _FLAGS,
)
# People only: "subjects", "cases" and "controls" are also what animal studies call their animals.
_PEOPLE = (
    r"(?:patients|participants|volunteers|adults|adolescents|children|infants|neonates|women|men|"
    r"individuals|persons|people|veterans|outpatients|inpatients|respondents|mothers|pregnant women|"
    r"human subjects|healthy (?:\w+ )?(?:volunteers|subjects|controls|adults))"
)
_COUNT = rf"(?:\d[\d,]*|{NUMBER_WORDS})"
_HUMAN_PARTICIPANTS = re.compile(
    rf"\b{_COUNT}\s+(?:[\w-]+ ){{0,3}}{_PEOPLE}\b"
    rf"|\b{_PEOPLE}\s+(?:\w+ ){{0,4}}?(?:were|was)\s+(?:randomi[sz]ed|randomly|enrolled|recruited|included|"
    r"assigned|allocated|studied|interviewed|surveyed|followed|screened|admitted|scheduled|undergoing|asked|invited)"
    rf"|\b{_PEOPLE}\s+(?:received|completed|underwent|participated|rated|answered|reported)\b"
    r"|\bwe (?:enrolled|recruited|randomi[sz]ed|interviewed|surveyed) "
    r"|\b(?:a|the) (?:patient|woman|man|boy|girl|child|infant) (?:was|presented|developed|received|underwent)\b"
    r"|\b\d{1,3}[- ]year[- ]old (?:\w+ )?(?:man|woman|male|female|boy|girl|patient|child)\b|\bmedical records\b"
    r"|\b(?:questionnaires?|survey) (?:was|were)\b|\bclinical trial\b",
    re.IGNORECASE | re.MULTILINE,
)


def study_part(title: str, sections: tuple[AbstractSection, ...], plain: str) -> str:
    """The title plus the abstract without its background (see the module docstring)."""
    if len(sections) > 1 and any(s.label for s in sections):
        kept = [f"{s.label}: {s.text}" for s in sections if not (s.label and _BACKGROUND_LABEL.match(s.label))]
        return f"{title}\n" + "\n".join(kept)
    sentences = _SENTENCE_END.split(plain)
    start = 0
    while start < len(sentences) - 1 and not _STUDY_SENTENCE.search(sentences[start]):
        start += 1
    return f"{title}\n" + " ".join(sentences[start:])


def human_participants(text: str) -> bool:
    """True when ``text`` (a study part) reports people taking part in the study."""
    return bool(_HUMAN_PARTICIPANTS.search(_drop_animal_counts(text)))


def _drop_animal_counts(text: str) -> str:
    # "40 rats and 20 controls": "controls" after an animal count are animals.
    return re.sub(r"\b\d+ (?:\w+ ){0,2}(?:rats|mice|animals|pigs|dogs|rabbits)\b[^.;]*", "", text, flags=_FLAGS)


def subjects(title: str, sections: tuple[AbstractSection, ...], plain: str) -> Subjects:
    """Human, animal study, in vitro, or unknown, for the study itself (see the module docstring)."""
    study = study_part(title, sections, plain)
    if human_participants(study):
        return Subjects.HUMAN
    animal = _ANIMAL.search(study)
    in_vitro = _IN_VITRO.search(study)
    if in_vitro and not (animal and _IN_VIVO.search(study)):
        return Subjects.IN_VITRO
    if animal:
        return Subjects.ANIMAL
    return Subjects.UNKNOWN


def mentions_people(text: str) -> bool:
    """Loose test: the text speaks of people at all (used only when nothing else decides)."""
    return bool(re.search(rf"\b{_PEOPLE}\b|\bhumans?\b|\bclinical\b|\bsubjects\b", text, _FLAGS))
