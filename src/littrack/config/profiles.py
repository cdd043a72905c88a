"""``profiles:`` in config.yaml: several readers' digests from one store (issue 16).

Each profile names the topics it follows, its digest schedule, its recipients and subject, ``send_empty`` and the
digest sections it wants. Without ``profiles:`` the config has one implicit profile
(:attr:`littrack.config.model.Config.digest_profiles`), so configs written before profiles work unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from littrack.config.model import DIGEST_SECTIONS, DigestConfig, EmailConfig, Profile, ScheduleConfig
from littrack.config.section import Section
from littrack.models import Topic

PROFILE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# RFC 2606 reserves these domains for examples: mail to them never arrives. The shipped config uses them.
EXAMPLE_DOMAIN_RE = re.compile(r"(^|[.@])example\.(com|net|org)$", re.IGNORECASE)


def parse_profiles(
    top: Section,
    topics: tuple[Topic, ...],
    digest: DigestConfig,
    email: EmailConfig,
    schedule: ScheduleConfig,
    *,
    valid_email: Callable[[str], bool],
    validate_cron: Callable[[str], None],
) -> tuple[Profile, ...]:
    """The ``profiles:`` list (empty when absent). Defaults come from the top-level digest, email and schedule."""
    raw = top.get("profiles", list, [])
    if raw and digest.profile is not None:
        raise top.error(
            "profiles",
            f"digest.profile ({digest.profile!r}) names the one profile of a config without profiles:;"
            " remove it and give each profile its id (id: default keeps the store's digest history)",
        )
    out: list[Profile] = []
    for i, item in enumerate(raw):
        s = Section(top.file, f"profiles[{i}]", item)
        profile = _parse_one(s, topics, digest, email, schedule, valid_email, validate_cron)
        if any(p.id == profile.id for p in out):
            raise s.error("id", f"{profile.id!r} is used by another profile; each profile needs its own id")
        out.append(profile)
    return tuple(out)


def _parse_one(
    s: Section,
    topics: tuple[Topic, ...],
    digest: DigestConfig,
    email: EmailConfig,
    schedule: ScheduleConfig,
    valid_email: Callable[[str], bool],
    validate_cron: Callable[[str], None],
) -> Profile:
    pid = s.text("id", required=True)
    if not PROFILE_ID_RE.match(pid):
        raise s.error("id", f"use lower-case letters, digits, '-' or '_' (it names a folder), got {pid!r}")
    known = [t.id for t in topics]
    chosen = s.get("topics", list, known)
    for t in chosen:
        if t not in known:
            raise s.error("topics", f"unknown topic {t!r}; known topic ids: {', '.join(known)}")
    sections = s.get("sections", list, list(DIGEST_SECTIONS))
    for name in sections:
        if name not in DIGEST_SECTIONS:
            raise s.error("sections", f"unknown section {name!r}; sections: {', '.join(DIGEST_SECTIONS)}")
    if not sections:
        raise s.error("sections", f"must name at least one of: {', '.join(DIGEST_SECTIONS)}")
    cron = s.text("schedule", schedule.digest)
    try:
        validate_cron(cron)
    except ValueError as exc:
        raise s.error("schedule", f"not a valid cron schedule: {exc}") from None
    e = s.sub("email")
    enabled = e.get("enabled", bool, True)
    to = e.get("to", (list, str), list(email.recipients))
    recipients = tuple([to] if isinstance(to, str) else to)
    for r in recipients:
        if not isinstance(r, str) or not valid_email(r):
            raise e.error("to", f"is not an e-mail address: {r!r}")
        if email.enabled and enabled and EXAMPLE_DOMAIN_RE.search(r.strip()):
            raise e.error("to", f"{r} is a placeholder (an example.org address never receives mail)")
    if email.enabled and enabled and not recipients:
        raise e.error("to", "needs at least one address when email.enabled is true (or set enabled: false here)")
    subject = e.text("subject", email.subject)
    check_subject(e, subject)
    e.done()
    profile = Profile(
        id=pid,
        name=s.text("name", pid),
        topics=tuple(t for t in known if t in chosen),
        schedule=cron,
        recipients=recipients,
        subject=subject,
        send_empty=s.get("send_empty", bool, digest.send_empty),
        sections=tuple(n for n in DIGEST_SECTIONS if n in sections),
        email_enabled=enabled,
        explicit=True,
        file_tag=pid,
    )
    s.done()
    if not profile.topics:
        raise s.error("topics", f"must name at least one topic; known topic ids: {', '.join(known)}")
    return profile


def check_subject(s: Section, subject: str) -> None:
    """An e-mail subject template (``email.subject`` or a profile's): one line, known placeholders only."""
    if "\n" in subject or "\r" in subject:
        raise s.error("subject", "must be one line")
    try:
        subject.format(count=0, start="", end="", profile="", title="", summary="", dates="")
    except (KeyError, IndexError, ValueError) as exc:
        raise s.error(
            "subject",
            f"unknown placeholder {exc}; use {{summary}}, {{dates}}, {{count}}, {{start}}, {{end}}, {{profile}}"
            ", {{title}}",
        ) from None

