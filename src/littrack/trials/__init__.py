"""Registered trials from ClinicalTrials.gov (API v2): fetch, parse, change tracking, PubMed linking, reporting.

``client`` talks to the network, ``parse`` turns API v2 JSON into :class:`~littrack.models.Study` records,
``changes`` decides what changed between two states, ``link`` finds NCT ids in papers, ``sync`` is the job that
joins them with the store (:mod:`littrack.store.trials`), and ``report`` turns stored events into digest rows.
The shipped per-topic queries are in :data:`littrack.config.DEFAULT_TRIAL_QUERIES`.
"""
