"""The background pipeline, run once per content: documents → passages → study mentions (→ BM25 index).

Fetch (resolving mentions), the digest (relating papers, listing mentions) and the CLI all need the same
derived values. :func:`load_corpus` computes them once per process for a given configuration and set of
document files, and again only when a user's document changes on disk or the config changes (the service
reloads its config on SIGHUP).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property, lru_cache

from littrack.background.documents import BackgroundDoc, load_documents
from littrack.background.mentions import Mention, extract_mentions
from littrack.background.passages import Passage, split_all
from littrack.background.relate import Relater
from littrack.config import BackgroundConfig


@dataclass(frozen=True)
class BackgroundCorpus:
    """The background documents and everything derived from them."""

    documents: tuple[BackgroundDoc, ...]
    passages: tuple[Passage, ...]
    mentions: tuple[Mention, ...]

    @property
    def titles(self) -> dict[str, str]:
        return {d.id: d.title for d in self.documents}

    @cached_property
    def relater(self) -> Relater | None:
        """The BM25 index over the body passages (built on first use); None without documents."""
        return Relater(self.passages, titles=self.titles) if self.documents else None


def load_corpus(cfg: BackgroundConfig) -> BackgroundCorpus:
    """The corpus for ``cfg``, computed once per configuration and document contents."""
    return _corpus(cfg, tuple(_stamp(p) for p in cfg.documents))


def _stamp(path: os.PathLike[str]) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (os.fspath(path), -1, -1)  # load_documents reports the missing file
    return (os.fspath(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _corpus(cfg: BackgroundConfig, stamps: tuple[tuple[str, int, int], ...]) -> BackgroundCorpus:
    # ``stamps`` is only part of the cache key: an edited document gives a new key, so a fresh corpus.
    docs = load_documents(cfg)
    passages = split_all(docs)
    return BackgroundCorpus(docs, passages, extract_mentions(passages))
