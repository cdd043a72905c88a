"""Where a human study gave its treatment: perioperative / emergency department vs chronic pain vs other.

Acute-care ketamine (anaesthesia, post-operative analgesia, the emergency department) is not chronic-pain
evidence, so acute-care cues win: "patients with chronic pain undergoing spine surgery" is perioperative.
Chronic pain needs a chronic-pain condition or an outpatient infusion / pain clinic. "Other" is a stated
setting that is none of these (depression, intensive care, palliative care, …). Nothing stated: unknown.
"""

from __future__ import annotations

import re

from littrack.models import Setting

_F = re.IGNORECASE

_EMERGENCY = re.compile(
    r"\b(?:emergency (?:department|room|medicine|physicians?|care)|\bED\b|pre-?hospital|ambulance|paramedics?|"
    r"trauma bay|out-of-hospital)\b",
    _F,
)
_PERIOPERATIVE = re.compile(
    r"\b(?:(?:peri|intra|post)-?operative(?:ly)?|during (?:the )?(?:surgery|operation)|after (?:the )?surgery|"
    r"surgical patients|general an(?:a)?esthesia|an(?:a)?esthe(?:sia|tic) induction|induction of an(?:a)?esthesia|"
    r"undergoing (?:\w+[ -]){0,4}(?:surgery|\w+ectomy|\w+otomy|\w+plasty|repair|arthroscopy|resection|"
    r"(?:caesarean|cesarean) (?:section|delivery)|operation)|PACU|recovery room|procedural sedation|"
    r"electroconvulsive)\b",
    _F,
)
# "local anaesthetic" cream in a chronic-pain trial is not an operation.
_NOT_PERIOPERATIVE = re.compile(r"\blocal anaesthe\w*|\blocal anesthe\w*|\bchronic post-?surgical pain\b", _F)
_CHRONIC = re.compile(
    r"\b(?:fibromyalgia|complex regional pain syndrome|CRPS|reflex sympathetic dystrophy|chronic (?:\w+ ){0,3}pain|"
    r"neuropathic pain|persistent pain|refractory pain|intractable pain|phantom limb|post-?herpetic neuralgia|"
    r"trigeminal neuralgia|central pain|spinal cord injury pain|chronic (?:low )?back pain|nociplastic|"
    r"infusion (?:clinic|centre|center|service)|pain (?:clinic|centre|center|service|management (?:clinic|unit))|"
    r"outpatients?)\b",
    _F,
)
_OTHER = re.compile(
    r"\b(?:depress\w*|suicid\w*|bipolar|PTSD|post-?traumatic stress|obsessive|anxiety disorder|alcohol use|"
    r"substance use|intensive care|ICU|critically ill|mechanical(?:ly)? ventilat\w+|palliative|hospice|"
    r"cancer pain|status epilepticus|asthma)\b",
    _F,
)


def setting(title: str, abstract: str) -> Setting:
    """The setting of a human study from its title and abstract (see the module docstring)."""
    text = f"{title}\n{abstract}"
    if _EMERGENCY.search(text):
        return Setting.EMERGENCY
    cleaned = _NOT_PERIOPERATIVE.sub(" ", text)
    if _PERIOPERATIVE.search(cleaned):
        return Setting.PERIOPERATIVE
    if _CHRONIC.search(text):
        return Setting.CHRONIC_PAIN
    if _OTHER.search(text):
        return Setting.OTHER
    return Setting.UNKNOWN
