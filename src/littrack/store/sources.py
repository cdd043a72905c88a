"""Queries for the sources beside PubMed: lookup bookkeeping, free full text, cited works, Crossref relations,
and each source's health as the run ledger records it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from littrack.models import OaKind, OpenAccessLocation, Reference, SourceOutage
from littrack.store.db import Connection, Store, now_iso

# --- lookups: "at most once per paper, refresh rarely" ------------------------------------------------


def papers_for_unpaywall(store: Store, *, checked_before: str, limit: int) -> list[str]:
    """DOIs of topic-matched papers never asked at Unpaywall (or last asked before ``checked_before``), newest
    papers first, so the next digest's papers get their links first."""
    rows = store.conn.execute(
        "SELECT DISTINCT lower(p.doi) AS doi, p.first_seen_at FROM papers p"
        " LEFT JOIN source_lookups s ON s.source = 'unpaywall' AND s.doi = lower(p.doi)"
        " WHERE p.doi IS NOT NULL AND EXISTS (SELECT 1 FROM paper_topics t WHERE t.pmid = p.pmid)"
        " AND (s.checked_at IS NULL OR s.checked_at < ?)"
        " ORDER BY p.first_seen_at DESC, p.pmid DESC LIMIT ?",
        (checked_before, limit),
    )
    return list(dict.fromkeys(r["doi"] for r in rows))


def sent_papers_for_crossref(store: Store, *, checked_before: str, limit: int) -> list[tuple[int, str]]:
    """(pmid, DOI) of papers sent in a digest, not asked at Crossref since ``checked_before``; least recent first."""
    rows = store.conn.execute(
        "SELECT p.pmid, lower(p.doi) AS doi, coalesce(s.checked_at, '') AS c FROM papers p"
        " LEFT JOIN source_lookups s ON s.source = 'crossref' AND s.doi = lower(p.doi)"
        " WHERE p.doi IS NOT NULL AND EXISTS (SELECT 1 FROM delivered_papers d WHERE d.pmid = p.pmid)"
        " AND (s.checked_at IS NULL OR s.checked_at < ?) ORDER BY c, p.pmid LIMIT ?",
        (checked_before, limit),
    )
    return [(r["pmid"], r["doi"]) for r in rows]


def mark_looked_up(conn: Connection, source: str, dois: Iterable[str]) -> None:
    stamp = now_iso()
    conn.executemany(
        "INSERT INTO source_lookups (source, doi, checked_at) VALUES (?,?,?)"
        " ON CONFLICT(source, doi) DO UPDATE SET checked_at = excluded.checked_at",
        [(source, d.lower(), stamp) for d in dois],
    )


# --- free full text ----------------------------------------------------------------------------------


def save_open_access(conn: Connection, doi: str, location: OpenAccessLocation | None) -> None:
    """Store the best location of ``doi``, or forget an old one when Unpaywall no longer knows a free copy."""
    if location is None:
        conn.execute("DELETE FROM open_access WHERE doi = ?", (doi.lower(),))
        return
    conn.execute(
        "INSERT INTO open_access (doi, kind, url, pdf_url, host_type, version, license, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(doi) DO UPDATE SET kind=excluded.kind, url=excluded.url,"
        " pdf_url=excluded.pdf_url, host_type=excluded.host_type, version=excluded.version,"
        " license=excluded.license, updated_at=excluded.updated_at",
        (
            doi.lower(),  # the key open_access_for looks up, whatever case the caller or Unpaywall wrote
            location.kind,
            location.url,
            location.pdf_url,
            location.host_type,
            location.version,
            location.license,
            now_iso(),
        ),
    )


def open_access_for(store: Store, dois: Sequence[str]) -> dict[str, OpenAccessLocation]:
    """DOI (lower case) → its stored best location, for the DOIs that have one."""
    wanted = sorted({d.lower() for d in dois if d})
    out: dict[str, OpenAccessLocation] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for r in store.conn.execute(f"SELECT * FROM open_access WHERE doi IN ({marks})", chunk):
            out[r["doi"]] = OpenAccessLocation(
                doi=r["doi"],
                kind=OaKind(r["kind"]),
                url=r["url"],
                pdf_url=r["pdf_url"],
                host_type=r["host_type"],
                version=r["version"],
                license=r["license"],
            )
    return out


def count_open_access(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM open_access").fetchone()[0])


# --- cited works and relations -----------------------------------------------------------------------


def save_crossref_references(conn: Connection, pmid: int, dois: Sequence[str]) -> None:
    conn.execute("DELETE FROM paper_references WHERE pmid = ? AND source = 'crossref'", (pmid,))
    conn.executemany(
        "INSERT INTO paper_references (pmid, source, ref_pmid, ref_doi) VALUES (?, 'crossref', NULL, ?)",
        [(pmid, d.lower()) for d in dict.fromkeys(dois)],
    )


def citing_papers(store: Store, refs: Iterable[Reference]) -> dict[int, set[tuple[Reference, str]]]:
    """Stored papers citing any of ``refs`` (matched by PMID or DOI): citing pmid → {(ref, "pubmed"|"crossref")}."""
    wanted = list(refs)
    by_pmid = {r.pmid: r for r in wanted if r.pmid is not None}
    by_doi = {r.doi.lower(): r for r in wanted if r.doi}
    out: dict[int, set[tuple[Reference, str]]] = {}
    for column, table in (("ref_pmid", by_pmid), ("ref_doi", by_doi)):
        keys = list(table)
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in store.conn.execute(
                f"SELECT DISTINCT pmid, source, {column} AS ref FROM paper_references WHERE {column} IN ({marks})",
                chunk,
            ):
                out.setdefault(r["pmid"], set()).add((table[r["ref"]], r["source"]))
    return out


def save_relations(conn: Connection, pairs: Iterable[tuple[str, str]]) -> None:
    """(preprint DOI, journal version DOI) pairs Crossref asserts, both as :func:`littrack.sources.match.doi_key`."""
    stamp = now_iso()
    conn.executemany(
        "INSERT INTO doi_relations (preprint_doi, published_doi, seen_at)"
        " VALUES (?,?,?) ON CONFLICT DO NOTHING",
        [(a, b, stamp) for a, b in pairs],
    )


def relations(store: Store) -> dict[str, str]:
    return {
        r["preprint_doi"]: r["published_doi"]
        for r in store.conn.execute("SELECT preprint_doi, published_doi FROM doi_relations ORDER BY seen_at DESC")
    }


# --- health of each source (from the run ledger) --------------------------------------------------


def source_health(store: Store, kinds: Sequence[str]) -> dict[str, dict[str, str | None]]:
    """Per run kind: the last success, the last error and, while failing, since when (the first failure after
    the last success)."""
    out: dict[str, dict[str, str | None]] = {}
    for kind in kinds:
        ok = store.conn.execute(
            "SELECT max(id) AS id, max(ended_at) AS at FROM runs WHERE kind = ? AND status = 'ok'", (kind,)
        ).fetchone()
        err = store.conn.execute(
            "SELECT started_at, error FROM runs WHERE kind = ? AND status IN ('failed', 'interrupted')"
            " ORDER BY id DESC LIMIT 1",
            (kind,),
        ).fetchone()
        since = store.conn.execute(
            "SELECT min(started_at) AS at FROM runs WHERE kind = ? AND status = 'failed' AND id > ?",
            (kind, ok["id"] or 0),
        ).fetchone()
        out[kind] = {
            "last_success": ok["at"],
            "last_error": err["error"] if err else None,
            "last_error_at": err["started_at"] if err else None,
            "failing_since": since["at"],
        }
    return out


def outages(store: Store, names: Mapping[str, str]) -> list[SourceOutage]:
    """Sources (run kind → reader's name) whose last run failed, with the time of the first failure since their
    last success."""
    health = source_health(store, list(names))
    return [
        SourceOutage(kind=kind, name=names[kind], since=h["failing_since"] or "", error=h["last_error"] or "")
        for kind, h in health.items()
        if h["failing_since"]
    ]
