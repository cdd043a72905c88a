"""The fetch side of littrack: PubMed topics into the store, and the steps that ride on every fetch.

- :mod:`.job` — ``fetch_job`` (lock, run ledger) and :data:`~littrack.fetch.job.AFTER_FETCH`, the steps after
  the PubMed part, listed in one place;
- :mod:`.topics` — windows, ESearch slices, EFetch batches, watermarks;
- :mod:`.recheck` — re-checking papers already sent for retractions and errata;
- :mod:`.crossref` — re-checking sent papers against Crossref, merged with PubMed's corrections (:mod:`.changes`);
- :mod:`.retracted` — flagging systematic reviews that cite a retracted paper;
- :mod:`.unpaywall` — free full text for papers with a DOI;
- :mod:`.preprints` — preprints from Europe PMC per topic, and their links to published papers (:mod:`.preprint_links`);
- :mod:`.ledger` — one run-ledger row per optional source, and why its failure never fails the fetch;
- :mod:`.trials` — syncing registered trials;
- :mod:`.mentions` — resolving the studies the background articles mention.
"""
