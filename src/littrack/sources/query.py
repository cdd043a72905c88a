"""A topic's PubMed query rewritten in Europe PMC's syntax, for the preprint search.

PubMed and Europe PMC share AND, OR, NOT, parentheses, quoted phrases and ``*`` truncation, but not field tags.
The rewrite parses the PubMed query (left to right, as PubMed evaluates it: the operators have no precedence) and
writes each term with Europe PMC's fields, parenthesising every operation so Europe PMC's own precedence cannot
regroup it:

=====================================  =============================================================
PubMed                                 Europe PMC
=====================================  =============================================================
``term[tiab]`` (Title/Abstract)        ``(TITLE:term OR ABSTRACT:term)``
``term[ti]``, ``term[ab]``             ``TITLE:term``, ``ABSTRACT:term``
``term[tw]``                           ``(TITLE:term OR ABSTRACT:term OR KW:term)``
``term[au]``                           ``AUTH:"term"``
``term`` (no tag), ``[all]``           ``term``
``term[mh]``, ``[majr]``, ``[sh]`` …   nothing (see below)
anything else (``[pt]``, ``[dp]`` …)   not translated: the topic needs its own ``preprint_query``
=====================================  =============================================================

Preprints carry no MeSH headings. A MeSH term therefore matches no preprint, exactly as it matches no PubMed record
that NLM has not indexed yet, and the rewrite drops it by that rule: ``A OR mesh`` is ``A``, ``A AND mesh`` matches
nothing, ``A NOT mesh`` is ``A``. So a topic built like littrack's (MeSH heading OR free text) keeps its free-text
half, and its NOT clauses that only MeSH can trigger exclude nothing, as they do for unindexed PubMed records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<lparen>\()|(?P<rparen>\))|
        (?P<phrase>"[^"]*")(?P<ptag>\[[^\]]*\])?|
        (?P<word>[^\s()\[\]"]+)(?P<wtag>\[[^\]]*\])?
    )""",
    re.VERBOSE,
)
_OPERATORS = {"AND", "OR", "NOT"}
_MESH_TAGS = {"mh", "mesh", "mesh terms", "majr", "mesh major topic", "sh", "subheading", "mh:noexp", "majr:noexp"}
_FIELDS: dict[str, tuple[str, ...]] = {
    "tiab": ("TITLE", "ABSTRACT"),
    "title/abstract": ("TITLE", "ABSTRACT"),
    "ti": ("TITLE",),
    "title": ("TITLE",),
    "ab": ("ABSTRACT",),
    "abstract": ("ABSTRACT",),
    "tw": ("TITLE", "ABSTRACT", "KW"),
    "text word": ("TITLE", "ABSTRACT", "KW"),
    "au": ("AUTH",),
    "author": ("AUTH",),
    "all": (),
    "all fields": (),
}
_SAFE_WORD = re.compile(r"^[\w*'.-]+$")


class UntranslatableQuery(ValueError):
    """The PubMed query uses something Europe PMC cannot express; the message names it."""


@dataclass(frozen=True)
class _Term:
    text: str  # a word or a "quoted phrase"
    tag: str  # lower case, without brackets; "" when untagged


@dataclass(frozen=True)
class _Op:
    op: str
    left: _Node
    right: _Node


_Node = _Term | _Op


def _tokens(query: str) -> list[str | _Term]:
    out: list[str | _Term] = []
    pos = 0
    text = query.strip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None or m.end() == pos:
            raise UntranslatableQuery(f"cannot read the query near {text[pos : pos + 20]!r}")
        pos = m.end()
        if m.group("lparen"):
            out.append("(")
        elif m.group("rparen"):
            out.append(")")
        elif m.group("phrase"):
            out.append(_Term(m.group("phrase"), (m.group("ptag") or "[]")[1:-1].strip().lower()))
        else:
            word = m.group("word")
            tag = m.group("wtag")
            if word in _OPERATORS and not tag:
                out.append(word)
            else:
                out.append(_Term(word, (tag or "[]")[1:-1].strip().lower()))
    return _phrases(out)


def _phrases(tokens: list[str | _Term]) -> list[str | _Term]:
    """PubMed reads ``chronic pain[tiab]`` as the phrase "chronic pain"[tiab]: a tag after several plain words
    applies to all of them as one phrase."""
    out: list[str | _Term] = []
    run: list[_Term] = []
    for tok in tokens:
        plain_word = isinstance(tok, _Term) and not tok.text.startswith('"')
        if plain_word and isinstance(tok, _Term) and not tok.tag:
            run.append(tok)
            continue
        if plain_word and isinstance(tok, _Term) and run:
            out.append(_Term('"' + " ".join(t.text for t in [*run, tok]) + '"', tok.tag))
        else:
            out.extend(run)
            out.append(tok)
        run = []
    out.extend(run)
    return out


class _Parser:
    """PubMed's grammar: operands joined left to right by AND/OR/NOT (adjacent operands mean AND)."""

    def __init__(self, tokens: list[str | _Term]) -> None:
        self.tokens = tokens
        self.i = 0

    def parse(self) -> _Node:
        node = self._sequence()
        if self.i != len(self.tokens):
            raise UntranslatableQuery("unbalanced parentheses")
        return node

    def _sequence(self) -> _Node:
        node = self._operand()
        while self.i < len(self.tokens) and self.tokens[self.i] != ")":
            tok = self.tokens[self.i]
            op = "AND"
            if isinstance(tok, str) and tok in _OPERATORS:
                op = tok
                self.i += 1
            node = _Op(op, node, self._operand())
        return node

    def _operand(self) -> _Node:
        if self.i >= len(self.tokens):
            raise UntranslatableQuery("the query ends where a term was expected")
        tok = self.tokens[self.i]
        self.i += 1
        if tok == "(":
            node = self._sequence()
            if self.i >= len(self.tokens) or self.tokens[self.i] != ")":
                raise UntranslatableQuery("unbalanced parentheses")
            self.i += 1
            return node
        if isinstance(tok, _Term):
            return tok
        raise UntranslatableQuery(f"{tok!r} where a term was expected")


def _term(t: _Term) -> str | None:
    if t.tag in _MESH_TAGS:
        return None
    if t.tag and t.tag not in _FIELDS:
        raise UntranslatableQuery(f"the field tag [{t.tag}] has no Europe PMC equivalent")
    text = t.text if t.text.startswith('"') or _SAFE_WORD.match(t.text) else f'"{t.text}"'
    fields = _FIELDS.get(t.tag, ())
    if fields == ("AUTH",) and not text.startswith('"'):
        text = f'"{text}"'
    if not fields:
        return text
    parts = [f"{f}:{text}" for f in fields]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


@dataclass(frozen=True)
class _Out:
    op: str | None  # the top operator, None for a single term
    parts: tuple[str, ...]

    def text(self) -> str:
        return self.parts[0] if self.op is None else "(" + f" {self.op} ".join(self.parts) + ")"


def _emit(node: _Node) -> _Out | None:
    """Europe PMC text, or None for "matches no preprint" (see the module docstring)."""
    if isinstance(node, _Term):
        text = _term(node)
        return None if text is None else _Out(None, (text,))
    left, right = _emit(node.left), _emit(node.right)
    if node.op == "OR" and (left is None or right is None):
        return left if right is None else right
    if node.op == "AND" and (left is None or right is None):
        return None
    if node.op == "NOT" and (left is None or right is None):
        return left
    assert left is not None and right is not None
    if node.op == "NOT":  # not associative: keep both sides whole
        return _Out("NOT", (left.text(), right.text()))
    # AND and OR chains read flat: (a OR b OR c) rather than ((a OR b) OR c).
    parts = (left.parts if left.op == node.op else (left.text(),)) + (
        right.parts if right.op == node.op else (right.text(),)
    )
    return _Out(node.op, parts)


def to_europepmc(pubmed_query: str) -> str:
    """The Europe PMC form of a PubMed query. Raises :class:`UntranslatableQuery` with the reason."""
    out = _emit(_Parser(_tokens(pubmed_query)).parse())
    if out is None:
        raise UntranslatableQuery("only MeSH terms are left, and preprints carry none")
    return " ".join(out.parts) if out.op is None else f" {out.op} ".join(out.parts)


