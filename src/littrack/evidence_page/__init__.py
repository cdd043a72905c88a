"""The living evidence page (``digests/evidence.html``) and the claims ledger of the background articles.

Every human study in the store, one table per topic, with what the background articles say about the size of
the evidence; and each claim of the articles that cites a study, with that study's PubMed record, its
corrections and the newer papers that bear on the claim. Modules, each one concern:

- ``model`` — the frozen records (the snapshot read from the store, rows, tables, the page);
- ``gather`` — the store reads, classification and passage relations, once per snapshot (the only I/O in);
- ``conditions`` — which topics a mention's condition belongs to;
- ``tables`` and ``claims`` — pure assembly of the topic tables and of the ledger (and its changes);
- ``render`` — HTML and CSV;
- ``job`` — build, write atomically, the ``littrack evidence`` command's result.
"""
