"""The thin click layer: parse options, load config, call a job, print one line.

Errors from littrack are turned into one line on stderr and an exit code here, and only here; a traceback
is shown only with ``--verbose``. Everything this layer prints or logs passes the :class:`Redactor`, which
learns the config's secrets as soon as the config is loaded.

Each command imports what it runs inside its function, on purpose: importing every job up front costs about
0.3 s more per command (measured: 0.19 s for this module alone vs 0.51 s with every command's modules,
medians of 7 runs), which ``littrack status`` and ``--help`` would pay for nothing.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from littrack import __version__
from littrack.config import CONFIG_NAME, Config, check_store_folder, load_config, shipped_config_path
from littrack.errors import LittrackError
from littrack.redact import RedactingFormatter, Redactor

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("littrack")


class State:
    def __init__(self, config_path: str | None, verbose: bool, redact: Redactor | None = None) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self.redact = redact or Redactor()
        self._config: Config | None = None

    @property
    def named_config(self) -> str | None:
        """The config file the user named (--config, then $LITTRACK_CONFIG), if any."""
        return self.config_path or os.environ.get("LITTRACK_CONFIG") or None

    @property
    def config_file(self) -> Path:
        return Path(self.named_config or CONFIG_NAME)

    @property
    def config(self) -> Config:
        if self._config is None:
            cfg = self.load(self.config_file)
            check_store_folder(cfg)
            self._config = cfg
        return self._config

    def load(self, path: str | Path) -> Config:
        """Load and validate a config; from then on its secrets are masked in everything printed or logged."""
        cfg = load_config(path)
        self.redact.add(*cfg.secrets())
        return cfg

    def say(self, text: str, *, err: bool = False, nl: bool = True) -> None:
        """Print (redacted) to stdout, or stderr with ``err``."""
        click.echo(self.redact(text), err=err, nl=nl)

    def config_or_shipped(self) -> tuple[Config, bool]:
        """The user's config; with none named and none in this folder, littrack's shipped defaults (True)."""
        if self.named_config or self.config_file.exists():
            return self.config, False
        return self.load(shipped_config_path()), True


def handle_errors(fn: F) -> F:
    """Translate LittrackError (and Ctrl-C) into one line + exit code, once, at the edge."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = click.get_current_context().find_object(State) or State(None, verbose=False)
        try:
            return fn(*args, **kwargs)
        except LittrackError as exc:
            _fail(state, str(exc), exc.exit_code)
        except KeyboardInterrupt:
            click.echo("littrack: interrupted; nothing half-done was recorded as complete", err=True)
            sys.exit(130)
        except click.ClickException:
            raise
        except Exception as exc:  # a bug: still one line (secrets masked); the traceback with --verbose
            detail = " ".join(str(exc).split()) or "no details"
            _fail(state, f"unexpected {type(exc).__name__}: {detail} (a bug in littrack; run with -v for the "
                  "traceback and please report it)", 1)

    return wrapper  # type: ignore[return-value]


def _fail(state: State, message: str, code: int) -> None:
    if state.verbose:
        state.say(traceback.format_exc(), err=True, nl=False)
    state.say(f"littrack: error: {message}", err=True)
    sys.exit(code)


def setup_logging(
    verbose: bool, level: str | None = None, log_file: str | None = None, redact: Redactor | None = None
) -> None:
    """Logging is configured here only (the entry point), never in library modules.

    Every record, whichever library logged it, is formatted and then redacted; warnings are logged too, so
    they pass the same formatter.
    """
    name = level or ("DEBUG" if verbose else "WARNING")
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", redact or Redactor()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(name.upper())
    logging.captureWarnings(True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: $LITTRACK_CONFIG or ./config.yaml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging and full tracebacks on errors.")
@click.version_option(__version__, prog_name="littrack")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """littrack: new PubMed evidence on ketamine for fibromyalgia and CRPS, as digests."""
    ctx.obj = State(config_path, verbose)
    setup_logging(verbose, redact=ctx.obj.redact)


pass_state = click.make_pass_decorator(State)


@main.command()
@pass_state
@handle_errors
def fetch(state: State) -> None:
    """Fetch new PubMed papers for every configured topic into the store."""
    from littrack.errors import PartialFetch
    from littrack.fetch.job import fetch_job
    from littrack.progress import TerminalProgress

    cfg = state.config
    partial: PartialFetch | None = None
    with TerminalProgress("fetch") as progress:
        try:
            line = fetch_job(cfg, progress=progress).line()
        except PartialFetch as exc:  # the summary still goes to stdout; the error line and exit code 3 follow
            line, partial = exc.summary, exc
    state.say(line)
    if partial is not None:
        raise partial


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
@handle_errors
def status(state: State, as_json: bool) -> None:
    """Show recent runs, watermarks and store counts."""
    from littrack.status import collect_status, format_status

    info = collect_status(state.config)
    if as_json:
        import json

        state.say(json.dumps(info, indent=2, sort_keys=True, default=str))
    else:
        state.say(format_status(info))


def _path(p: str | None) -> Path | None:
    return Path(p) if p else None


@main.command()
@click.option("--log-file", type=click.Path(dir_okay=False), default=None, help="Log here instead of stderr.")
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
)
@pass_state
@handle_errors
def run(state: State, log_file: str | None, log_level: str) -> None:
    """Run as a service: fetch and digest on the configured schedule (SIGTERM stops, SIGHUP reloads)."""
    from littrack.service import run_service

    setup_logging(state.verbose, "DEBUG" if state.verbose else log_level, log_file, state.redact)
    cfg = state.config  # validated before anything starts
    run_service(cfg.path, initial=cfg, load=state.load)


@main.command()
@click.option("--dry-run", is_flag=True, help="Render and print the path; mark nothing as sent, send nothing.")
@click.option(
    "--rebuild",
    "rebuild_id",
    type=int,
    default=None,
    metavar="ID",
    help="Re-render digest ID from the store without changing what was sent.",
)
@click.option(
    "--profile",
    "profile_id",
    default=None,
    metavar="ID",
    help="Only this profile's digest (profiles: in config.yaml); default: every profile's, one line each.",
)
@pass_state
@handle_errors
def digest(state: State, dry_run: bool, rebuild_id: int | None, profile_id: str | None) -> None:
    """Write the next digest: everything first seen since the last one (and e-mail it if configured)."""
    from littrack.digest.job import digest_job, rebuild_digest
    from littrack.errors import DigestError

    cfg = state.config
    if rebuild_id is not None:
        state.say(f"digest: re-rendered #{rebuild_id} → {rebuild_digest(cfg, rebuild_id)} (nothing marked or sent)")
        return
    profiles = [cfg.profile(profile_id)] if profile_id is not None else list(cfg.digest_profiles)
    failed: list[tuple[str, LittrackError]] = []
    for p in profiles:  # one profile failing does not keep the others' readers waiting
        try:
            state.say(digest_job(cfg, profile=p, dry_run=dry_run).line())
        except LittrackError as exc:
            if len(profiles) == 1:
                raise
            state.say(f"digest ({p.id}): failed: {exc}", err=True)
            failed.append((p.id, exc))
    if failed and len(failed) == len(profiles):  # none delivered: exit as the first did (75: the store is busy)
        raise failed[0][1]
    if failed:
        names = ", ".join(pid for pid, _ in failed)
        raise DigestError(f"{len(failed)} of {len(profiles)} profiles failed ({names}); the others were delivered")


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Write the demo digest here (default: a fresh folder it names; never the configured digests/ folder).",
)
@pass_state
@handle_errors
def demo(state: State, out_dir: str | None) -> None:
    """Run fetch and digest offline against recorded NCBI and ClinicalTrials.gov data (fake servers on loopback).

    Works from any folder: without a config file it uses littrack's shipped defaults.
    """
    from littrack.demo import run_demo
    from littrack.progress import TerminalProgress

    cfg, shipped = state.config_or_shipped()
    if shipped:
        state.say(
            f"demo: no {state.config_file} here, so the demo uses littrack's shipped defaults ({cfg.path});"
            " `littrack init` writes a copy for you to edit"
        )
    run_demo(
        cfg,
        out_dir=_path(out_dir),
        say=state.say,
        progress=lambda: TerminalProgress("demo fetch"),
        real_digests=None if shipped else cfg.digest.output_dir,
    )


@main.command()
@click.argument("path", required=False, type=click.Path())
@click.option("--force", is_flag=True, help="Replace an existing file with the defaults.")
@pass_state
@handle_errors
def init(state: State, path: str | None, force: bool) -> None:
    """Write littrack's default config.yaml for you to edit (to PATH; default: --config, else ./config.yaml)."""
    from littrack.config import write_default_config

    target = write_default_config(Path(path) if path else state.config_file, force=force)
    click.echo(f"init: wrote littrack's default config to {target}")
    here = target == (Path.cwd() / CONFIG_NAME).absolute()
    fetch = "`littrack fetch` in this folder" if here else f"`littrack --config {target} fetch`"
    click.echo(f"init: set ncbi.email to your address, then run {fetch}")


@main.command()
@pass_state
@handle_errors
def evidence(state: State) -> None:
    """Rebuild digests/evidence.html: every human study in the store and the background articles' claims."""
    from littrack.evidence_page.job import evidence_job
    from littrack.progress import TerminalProgress

    with TerminalProgress("classifying", unit="paper") as progress:  # only papers the evidence cache lacks
        result = evidence_job(state.config, progress=progress)
    click.echo(result.line())


@main.command()
@click.option("--format", "fmt", type=click.Choice(["ris", "bibtex", "csl-json", "csv", "evidence-csv"]), required=True)
@click.option("--topic", "topic_id", default=None, metavar="ID", help="Only papers matched by this topic.")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Only papers first seen on or after this date.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
@pass_state
@handle_errors
def export(state: State, fmt: str, topic_id: str | None, since: str | None, output: str | None) -> None:
    """Export stored papers for reference managers (Zotero, EndNote, Mendeley) or spreadsheets."""
    from littrack.config import parse_date
    from littrack.digest.files import write_atomic
    from littrack.errors import ConfigError
    from littrack.export import export as render_export
    from littrack.store import open_store
    from littrack.store.papers import iter_papers

    cfg = state.config
    if topic_id:
        cfg.topic(topic_id)  # unknown id → one clear line
    try:
        since_date = parse_date(since) if since else None
    except ValueError:
        raise ConfigError(f"--since: expected a date YYYY-MM-DD, got {since!r}") from None
    if fmt == "evidence-csv":  # the evidence page's rows: one per topic and paper, with what the page shows
        from littrack.evidence_page.job import current_page
        from littrack.evidence_page.render import csv_rows, evidence_csv

        text = evidence_csv(current_page(cfg), topic_id=topic_id, since=since_date)
        count, what = csv_rows(text), "rows"
    else:
        with open_store(cfg.store.location, password=cfg.store.password) as store:
            papers = [sp.paper for sp in iter_papers(store, topic_id=topic_id, since=since_date)]
        text, count, what = render_export(papers, fmt), len(papers), "papers"
    if output:
        write_atomic(Path(output), text)
        click.echo(f"export: {count} {what} → {output} ({fmt})", err=True)
    else:
        click.echo(text, nl=False)
        click.echo(f"export: {count} {what} ({fmt})", err=True)


@main.command()
@click.option("--passages", is_flag=True, help="List every passage too (id, kind, opening words).")
@pass_state
@handle_errors
def background(state: State, passages: bool) -> None:
    """List the background (seed) documents, their passages and the studies they mention."""
    from littrack.background.corpus import load_corpus
    from littrack.background.describe import describe_documents

    corpus = load_corpus(state.config.background)
    state.say(describe_documents(corpus.documents, corpus.passages, corpus.mentions, show_passages=passages))


@main.group()
def store() -> None:
    """Work on the store itself (``store copy``: SQLite → PostgreSQL)."""


@store.command("copy")
@click.option("--to", "url", required=True, metavar="postgresql://USER@HOST/DB",
              help="The empty PostgreSQL database to fill (password from store.password_env).")
@pass_state
@handle_errors
def store_copy(state: State, url: str) -> None:
    """Copy the configured SQLite store into an empty PostgreSQL database and verify every table's count."""
    from littrack import pg
    from littrack.errors import ConfigError
    from littrack.lock import job_lock
    from littrack.progress import TerminalProgress
    from littrack.store import open_store
    from littrack.store.copy import copy_store

    cfg = state.config
    if cfg.store.is_postgresql:
        raise ConfigError(f"{cfg.path}: store copy reads a SQLite store (store.path); this config uses store.url")
    if not pg.is_url(url):
        raise ConfigError(f"--to must be a postgresql:// URL, got {pg.display_url(url)!r}")
    if pg.url_password(url) is not None:
        raise ConfigError(f"--to contains a password; remove it and set the environment variable "
                          f"{cfg.store.password_env} (store.password_env) instead")
    password = os.environ.get(cfg.store.password_env) or None
    state.redact.add(password)
    with job_lock(cfg.store, wait=None), open_store(cfg.store.path) as source, \
            open_store(url, password=password) as target, TerminalProgress("store copy", unit="row") as bar:
        report = copy_store(source, target, advance=bar.advance, add_total=bar.add_total)
    state.say(report.line())
