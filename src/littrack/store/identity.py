"""The store's own identity: a UUID drawn once by migration 011 and kept (feed ids are built from it)."""

from __future__ import annotations

from littrack.store.db import Store


def store_uuid(store: Store) -> str:
    """This store's UUID, e.g. ``'3f0c9a2e-…'``; the same for the store's whole life."""
    return str(store.conn.execute("SELECT store_uuid FROM store_identity WHERE id = 1").fetchone()[0])
