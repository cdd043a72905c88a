"""The small error hierarchy. Messages say what to do next; the CLI turns them into one line + exit code."""

from __future__ import annotations


class LittrackError(Exception):
    """Base class: a failure the user can act on. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class ConfigError(LittrackError):
    """The configuration file is missing, malformed or invalid."""

    exit_code = 2


class PubMedError(LittrackError):
    """E-utilities could not be reached or kept answering with errors after bounded retries."""


class ResultCapExceeded(PubMedError):
    """ESearch can hand out only the first 9,999 PubMed records of a query; split the date window.

    Raised (never retried) when the count exceeds the cap or NCBI says so ("Restrictions achieved",
    "'retstart' cannot be larger than 9998"). ``count`` is NCBI's count when it is known.
    """

    def __init__(self, message: str, count: int | None = None) -> None:
        super().__init__(message)
        self.count = count


class PartialFetch(LittrackError):
    """Some topics were fetched (their watermarks advanced), others failed and keep theirs: a partial run.

    ``summary`` is the fetch's one-line summary; the CLI prints it on stdout before the error line.
    """

    exit_code = 3  # neither success (0) nor a run that did nothing (1): scripts can tell the three apart

    def __init__(self, message: str, summary: str) -> None:
        super().__init__(message)
        self.summary = summary


class ParseError(LittrackError):
    """A reply was not the XML (or JSON) we expected: truncated, HTML, or another format."""


class StoreError(LittrackError):
    """The SQLite store cannot be opened, migrated or written."""


class LockError(LittrackError):
    """Another littrack process holds the store; only one writer at a time."""

    exit_code = 75  # EX_TEMPFAIL: try again later


class DigestError(LittrackError):
    """A digest could not be rendered or written."""


class MailError(LittrackError):
    """The SMTP server could not be reached or refused the message."""


class TrialsError(LittrackError):
    """ClinicalTrials.gov could not be reached or answered with something unusable."""


class SourceError(LittrackError):
    """An optional source beside PubMed (Europe PMC, Crossref, Unpaywall) could not be reached or answered with
    something unusable. Never fatal to a fetch: the step records it and the next fetch tries again."""


class SourceRejected(SourceError):
    """The source answered, but refused this one request (HTTP 4xx): a bad query or identifier, not an outage.
    Retrying it unchanged would fail again, so callers skip what it was about instead of failing the whole run."""
