"""The sources beside PubMed: network clients and parsers, no store.

- :mod:`.web` — the JSON client the three services share (process-wide limiter per host, the shared retries);
- :mod:`.query` — a topic's PubMed query rewritten for Europe PMC;
- :mod:`.europepmc` — preprint searches (``SRC:PPR``) paged with ``cursorMark``, and their parsing;
- :mod:`.crossref` — works by DOI in batches (notices, preprint relations, references), and their parsing;
- :mod:`.unpaywall` — the best open-access location of a DOI;
- :mod:`.match` — which PubMed record is the published version of a preprint.

The fetch steps in :mod:`littrack.fetch` join these with the store; each source failing raises
:class:`~littrack.errors.SourceError`, which those steps record and never let fail the PubMed fetch.
"""
