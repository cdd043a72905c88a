"""Counts written in digits or in English words ("Forty-eight", "One hundred thirty-two", "1,204").

Number words are found by our own pattern (cardinals only) and converted phrase by phrase with ``text2num``.
Why that library (measured in ``tests/evidence_eval/numwords.py``, figures in ``tests/evidence_eval/RESULTS.md``):
on whole phrases text2num, number-parser, numerizer and word2number agree on every count in the evaluation
set, but run over free text number-parser turns "a second infusion" into "1 2nd infusion" and "Once" into
"11", numerizer makes "first-line" "1st line", and word2number only takes a bare phrase. text2num raises
on anything that is not a cardinal ("first", "single", "a hundred"), which is what a count extractor
wants: no guess is better than a wrong n. It is maintained (3.x, 2026) and ships wheels.
"""

from __future__ import annotations

import re

from text_to_num import text2num

_UNITS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen"
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORD = rf"(?:{_TENS})(?:[- ](?:{_UNITS}))?|{_UNITS}|hundred|thousand"
# A run of number words: "one hundred and thirty-two", "Forty-eight", "two thousand".
NUMBER_WORDS = rf"(?:{_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_WORD}))*"
DIGITS = r"(?<![\d.,\w-])(?:\d{1,3}(?:,\d{3})+|\d+)(?![.,]?\d)"
# Either form, as one regex group body (no capture inside).
COUNT = rf"(?:{DIGITS}|(?i:{NUMBER_WORDS}))"

_NUMBER_WORDS_RE = re.compile(rf"^(?:{NUMBER_WORDS})$", re.IGNORECASE)


def to_int(text: str) -> int | None:
    """The count ``text`` writes, in digits ("1,204") or English words ("One hundred thirty-two"); else None."""
    text = text.strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", text):
        return int(text.replace(",", ""))
    if not _NUMBER_WORDS_RE.match(text):
        return None
    try:
        return int(text2num(text.lower().replace("-", " "), "en"))
    except ValueError:
        return None
