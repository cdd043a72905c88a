"""Background articles (the shipped seeds and the user's own) merged with new papers in digests.

Modules, each one concern: ``documents`` (load files), ``passages`` (split and label body / comment /
furniture), ``relate`` (BM25 similarity of papers to body passages), ``mentions`` (studies the articles
mention), ``resolve`` (mentions → PMIDs through an injected search), ``describe`` (the CLI listing).
Background documents are never evidence and never enter the ranking of papers.
"""

from littrack.background.describe import describe_documents
from littrack.background.documents import BackgroundDoc, load_documents, shipped_documents
from littrack.background.mentions import Mention, extract_mentions
from littrack.background.passages import Passage, split_all, split_passages
from littrack.background.relate import DEFAULT_THRESHOLD, Relater
from littrack.background.resolve import Resolution, resolve, resolve_all, study_mentions, unresolved

__all__ = [
    "DEFAULT_THRESHOLD",
    "BackgroundDoc",
    "Mention",
    "Passage",
    "Relater",
    "Resolution",
    "describe_documents",
    "extract_mentions",
    "load_documents",
    "resolve",
    "resolve_all",
    "shipped_documents",
    "split_all",
    "split_passages",
    "study_mentions",
    "unresolved",
]
