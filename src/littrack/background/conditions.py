"""Which conditions a background article is about, which a paper concerns, and whether the paper is news for it.

"New since this article" must list only papers that bear on the article's subject: a review of ketamine for
depression is not news for a fibromyalgia article, however many words they share, unless it concerns pain.

- An article's conditions are those its title names; an untitled or unspecific article takes the most
  frequent ones of its text (depression is often *mentioned* in these articles, rarely their subject).
- A paper's conditions come from its own record: MeSH headings, title, author keywords and abstract. Its
  topics are not used: a topic query matches on those same MeSH and title/abstract words, so it adds nothing
  in production, and the offline demo assigns topics to unrelated records at random.
- A paper bears on an article when they share a condition, or when the article is about a pain condition
  and the paper concerns pain (a CRPS trial is news for a fibromyalgia article; a depression review is not).
"""

from __future__ import annotations

import re
from collections import Counter

from littrack.models import Paper

PAIN = "pain"  # any pain: the pseudo-condition a paper on any pain condition also has

# condition → (text pattern, MeSH descriptors)
_CONDITIONS: dict[str, tuple[re.Pattern[str], frozenset[str]]] = {
    "fibromyalgia": (
        re.compile(r"\bfibromyalg\w*|\bfibrositis\b|\bchronic widespread pain\b", re.IGNORECASE),
        frozenset({"Fibromyalgia"}),
    ),
    "CRPS": (
        re.compile(
            r"\bcomplex regional pain\b|\bCRPS\b|\breflex sympathetic dystroph\w*|\bcausalgia\b"
            r"|\balgo(?:neuro)?dystroph\w*|\bsudeck\w*",
            re.IGNORECASE,
        ),
        frozenset({"Complex Regional Pain Syndromes", "Reflex Sympathetic Dystrophy", "Causalgia"}),
    ),
    "chronic pain": (
        re.compile(
            r"\bchronic pain\b|\bneuropathic pain\b|\bneuralgi\w*|\bnociplastic\b|\bcentral sensiti[sz]ation\b"
            r"|\bphantom limb\b|\bcancer pain\b|\bintractable pain\b|\brefractory pain\b"
            r"|\bpainful diabetic neuropathy\b",
            re.IGNORECASE,
        ),
        frozenset(
            {
                "Chronic Pain",
                "Neuralgia",
                "Neuralgia, Postherpetic",
                "Pain, Intractable",
                "Central Nervous System Sensitization",
                "Phantom Limb",
                "Cancer Pain",
                "Diabetic Neuropathies",
            }
        ),
    ),
    "depression": (
        re.compile(r"\bdepressi\w*|\bantidepress\w*", re.IGNORECASE),
        frozenset(
            {
                "Depression",
                "Depressive Disorder",
                "Depressive Disorder, Major",
                "Depressive Disorder, Treatment-Resistant",
                "Antidepressive Agents",
            }
        ),
    ),
}
PAIN_CONDITIONS = frozenset({"fibromyalgia", "CRPS", "chronic pain"})
_PAIN_TEXT = re.compile(r"\bpain\w*|\banalges\w*|\bhyperalges\w*|\ballodyni\w*|\bnocicepti\w*", re.IGNORECASE)
_PAIN_MESH = frozenset({"Analgesia", "Hyperalgesia", "Pain Management", "Nociception", "Pain Perception"})
_MIN_ABSTRACT_MENTIONS = 2  # one passing "ketamine, an anaesthetic and analgesic" does not make a pain paper


def document_conditions(title: str, text: str) -> frozenset[str]:
    """The conditions an article is about: those of its title, else the most frequent in its text."""
    named = frozenset(c for c, (pattern, _) in _CONDITIONS.items() if pattern.search(title))
    if named:
        return named
    counts = Counter({c: len(pattern.findall(text)) for c, (pattern, _) in _CONDITIONS.items()})
    top = max(counts.values(), default=0)
    return frozenset(c for c, n in counts.items() if n and n * 2 >= top)


def paper_conditions(paper: Paper) -> frozenset[str]:
    """The conditions ``paper`` concerns, plus :data:`PAIN` when it concerns any pain (see the module docstring)."""
    mesh = {m.descriptor for m in paper.mesh}
    head = " ".join((paper.title_plain, *paper.keywords))
    abstract = paper.abstract_plain
    found = {
        c
        for c, (pattern, descriptors) in _CONDITIONS.items()
        if mesh & descriptors or pattern.search(head) or len(pattern.findall(abstract)) >= _MIN_ABSTRACT_MENTIONS
    }
    pain_mesh = any("Pain" in d for d in mesh) or bool(mesh & _PAIN_MESH)
    pain_text = bool(_PAIN_TEXT.search(head)) or len(_PAIN_TEXT.findall(abstract)) >= _MIN_ABSTRACT_MENTIONS
    if found & PAIN_CONDITIONS or pain_mesh or pain_text:
        found.add(PAIN)
    return frozenset(found)


def bears_on(article: frozenset[str], paper: frozenset[str]) -> bool:
    """True when a paper with conditions ``paper`` is news for an article about ``article``."""
    if not article:
        return True  # an article about nothing we can name: the passage relation alone decides
    if article & paper:
        return True
    return bool(article & PAIN_CONDITIONS) and PAIN in paper
