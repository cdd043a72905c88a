"""The fetch side of littrack: PubMed topics into the store, and the steps that ride on every fetch.

- :mod:`.job` — ``fetch_job`` (lock, run ledger) and :data:`~littrack.fetch.job.AFTER_FETCH`, the steps after
  the PubMed part, listed in one place;
- :mod:`.topics` — windows, ESearch slices, EFetch batches, watermarks;
- :mod:`.recheck` — re-checking papers already sent for retractions and errata;
- :mod:`.trials` — syncing registered trials;
- :mod:`.mentions` — resolving the studies the background articles mention.
"""
