"""Which digest profiles the store knows and since when (issue 16): a profile added to config.yaml later starts
its first digest at its registration, not with the whole backlog. ``''`` means "from the beginning" (the profiles
a store had before migration 013, and the implicit ``default``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from littrack.store.db import Store, now_iso


def register_profiles(store: Store, profile_ids: Iterable[str]) -> None:
    """Record the first sighting of each profile; one already known keeps its date."""
    with store.transaction() as c:
        c.executemany(
            "INSERT INTO profiles (id, first_seen_at) VALUES (?,?) ON CONFLICT (id) DO NOTHING",
            [(pid, now_iso()) for pid in profile_ids],
        )


def first_seen(store: Store, profile_id: str) -> str | None:
    """When the profile was registered (ISO time); ``''`` when it covers the store's whole history, None when the
    store has not seen it yet (the next fetch or digest registers it)."""
    row = store.conn.execute("SELECT first_seen_at FROM profiles WHERE id = ?", (profile_id,)).fetchone()
    return str(row[0]) if row else None


def topic_clause(column: str, topics: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
    """SQL ``AND column IN (…)`` for a profile's topics; nothing for None (every topic)."""
    if topics is None:
        return "", ()
    return f" AND {column} IN ({','.join('?' * len(topics))})", tuple(topics)
