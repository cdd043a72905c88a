"""Compare number-word libraries for sample sizes (issue 12). Run: .venv/bin/python tests/evidence_eval/numwords.py

Two uses: (1) converting a number-word phrase our pattern found ("One hundred thirty-two"); (2) run over a
whole sentence, whether a library invents counts from words that are not counts ("a second infusion",
"Once daily", "first-line", "one of the groups"). Phrases are the number-word counts of the hand-labelled
real abstracts plus the issue's examples; the sentences are phrasings common in abstracts.
"""

from __future__ import annotations

from collections.abc import Callable

from number_parser import parse, parse_number
from numerizer import numerize
from text_to_num import alpha2digit, text2num
from word2number import w2n

PHRASES = {
    "Forty-eight": 48, "One hundred thirty-two": 132, "one hundred and forty": 140, "Nineteen": 19,
    "Fifty-nine": 59, "Twenty-five": 25, "Fifteen": 15, "Thirty": 30, "Twenty-four": 24, "Two hundred ten": 210,
}  # fmt: skip
NOT_COUNTS = (
    "Patients had a second infusion.",
    "Ketamine was given once daily.",
    "It is a first-line option.",
    "A single dose was given to one of the groups.",
)


def _phrase(fn: Callable[[str], object]) -> Callable[[str], int | None]:
    def run(text: str) -> int | None:
        try:
            value = fn(text)
        except (ValueError, IndexError):
            return None
        return int(str(value)) if value is not None and str(value).isdigit() else None

    return run


LIBRARIES: dict[str, tuple[Callable[[str], int | None], Callable[[str], str]]] = {
    "text2num": (_phrase(lambda t: text2num(t.lower().replace("-", " "), "en")), lambda s: alpha2digit(s, "en")),
    "number-parser": (_phrase(parse_number), parse),
    "numerizer": (_phrase(numerize), numerize),
    "word2number": (_phrase(w2n.word_to_num), lambda s: s),  # phrases only: no free-text mode
}


def main() -> None:
    print("| library | phrases right | sentences changed wrongly |")
    print("|---|---:|---:|")
    for name, (phrase, free) in LIBRARIES.items():
        right = sum(phrase(text) == n for text, n in PHRASES.items())
        invented = [s for s in NOT_COUNTS if free(s) != s and any(ch.isdigit() for ch in free(s))]
        print(f"| {name} | {right}/{len(PHRASES)} | {len(invented)}/{len(NOT_COUNTS)} |")


if __name__ == "__main__":
    main()
