"""All SQLite access lives in this package.

``db`` opens the file (WAL, foreign keys, migrations); each other module holds the queries for one concern
and takes a :class:`~littrack.store.db.Store`. Jobs call these functions and never write SQL themselves, so a
server database could replace SQLite behind the same functions.
"""

from littrack.store.db import Store, open_store

__all__ = ["Store", "open_store"]
