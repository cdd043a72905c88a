"""Pure scheduling logic for ``littrack run``: schedule text → trigger, fire times, missed runs, retry backoff.

No I/O and no clock of its own: every function that needs the time takes ``now``. The service
(:mod:`littrack.service`) reads the run ledger and the real clock and asks this module what to do.

A schedule is a 5-field crontab (``minute hour day month weekday``) with crontab's weekday numbers
(0 or 7 = Sunday), or ``@every <n>s|m|h`` — a plain interval, meant for tests and demos. Two things
differ from APScheduler 3's own ``CronTrigger.from_crontab`` on purpose:

- weekday numbers mean what they mean in crontab (APScheduler 3 counts 0 as Monday; its issue 286);
- on the night clocks fall back, a job with a fixed hour (``30 2 * * *``) runs once, as cron does, not
  at both 02:30s; on the night clocks spring forward a time that does not exist runs once, an hour later.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import tzinfo
from zoneinfo import ZoneInfo

import tzlocal
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

EVERY_RE = re.compile(r"^@every\s+(\d+)\s*(s|m|h)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
_WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NAME_TO_NUMBER = {name: i for i, name in enumerate(_WEEKDAY_NAMES)}
# How far back to look for the most recent slot: short first, so a "* * * * *" schedule stays cheap.
_LOOKBACKS = (dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(days=8), dt.timedelta(days=32),
              dt.timedelta(days=400))
UTC = dt.UTC


def resolve_timezone(name: str | None) -> tzinfo:
    """The configured IANA zone, or the machine's own when ``name`` is None."""
    if name:
        return ZoneInfo(name)

    return tzlocal.get_localzone()


class WallClockCronTrigger(CronTrigger):  # type: ignore[misc]  # untyped library
    """A CronTrigger that skips the second pass through a repeated wall-clock hour for fixed-hour jobs.

    APScheduler fires ``30 2 * * *`` at 02:30 CEST *and* 02:30 CET on the night clocks fall back; cron
    runs it once. Jobs whose hour field is ``*`` keep every occurrence (they are interval-like).
    """

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
        nxt: dt.datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while nxt is not None and self._fixed_hour() and is_repeated_wall_time(nxt):
            nxt = super().get_next_fire_time(nxt, nxt)
        return nxt

    def _fixed_hour(self) -> bool:
        return any(f.name == "hour" and str(f) != "*" for f in self.fields)


def is_repeated_wall_time(moment: dt.datetime) -> bool:
    """True if ``moment`` is the later of two instants that share its local wall-clock time (DST fall-back)."""
    tz = moment.tzinfo
    if tz is None:
        return False
    naive = moment.replace(tzinfo=None)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second or second.astimezone(tz).replace(tzinfo=None) != naive:
        return False  # an ordinary time, or a time skipped when clocks spring forward
    return first < second and moment.astimezone(UTC) == second


def crontab_weekdays(field: str) -> str:
    """Translate a crontab weekday field (0/7 = Sunday, names, ranges, steps) into APScheduler names.

    ``1-5`` → ``mon,tue,wed,thu,fri``; ``*/2`` → ``sun,tue,thu,sat``; ``*`` stays ``*``.
    Raises ValueError for anything else.
    """
    text = field.strip().lower()
    if text == "*":
        return "*"
    days: set[int] = set()
    for part in text.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else None
        if step_text and (step is None or step < 1):
            raise ValueError(f"bad weekday step in {field!r}")
        if rng == "*":
            lo, hi = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            lo, hi = _weekday_number(a, field), _weekday_number(b, field)
            if hi == 0 and b.strip() == "7":
                hi = 7
            if lo > hi:
                raise ValueError(f"weekday range {rng!r} in {field!r} runs backwards; write e.g. 'fri,sat,sun'")
        else:
            lo = hi = _weekday_number(rng, field)
            if step is not None:
                hi = 6
        days.update(d % 7 for d in range(lo, hi + 1, step or 1))
    return ",".join(_WEEKDAY_NAMES[d] for d in sorted(days))


def _weekday_number(token: str, field: str) -> int:
    token = token.strip()
    if token in _NAME_TO_NUMBER:
        return _NAME_TO_NUMBER[token]
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise ValueError(f"unknown weekday {token!r} in {field!r} (use 0-7 or sun..sat)")


def parse_schedule(expr: str, tz: tzinfo | None = None) -> BaseTrigger:
    """``"0 6 * * *"`` or ``"@every 5s"`` → an APScheduler trigger in ``tz``; ValueError with a reason otherwise."""
    text = " ".join(expr.split())
    every = EVERY_RE.match(text)
    if every:
        seconds = int(every.group(1)) * _UNIT_SECONDS[every.group(2)]
        if seconds < 1:
            raise ValueError(f"@every needs a positive interval, got {expr!r}")
        return IntervalTrigger(seconds=seconds, timezone=tz)
    fields = text.split(" ")
    if len(fields) != 5:
        raise ValueError(f"expected 5 cron fields (minute hour day month weekday), got {expr!r}")
    minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        # cron runs when EITHER matches, APScheduler when BOTH do; refuse rather than guess.
        raise ValueError(f"restrict the day of month or the weekday, not both, in {expr!r}")
    try:
        return WallClockCronTrigger(minute=minute, hour=hour, day=day, month=month,
                                    day_of_week=crontab_weekdays(weekday), timezone=tz)
    except ValueError as exc:
        raise ValueError(f"{exc} in {expr!r}") from None


def next_fire(trigger: BaseTrigger, now: dt.datetime) -> dt.datetime | None:
    """The first fire time at or after ``now``."""
    result: dt.datetime | None = trigger.get_next_fire_time(None, now)
    return result


def last_fire(trigger: BaseTrigger, now: dt.datetime) -> dt.datetime | None:
    """The most recent scheduled time at or before ``now`` (None for ``@every`` schedules: no fixed slots)."""
    if not isinstance(trigger, CronTrigger):
        return None
    for lookback in _LOOKBACKS:
        last = None
        fire: dt.datetime | None = trigger.get_next_fire_time(None, now - lookback)
        while fire is not None and fire <= now:
            last = fire
            fire = trigger.get_next_fire_time(fire, fire)
        if last is not None:
            return last
    return None


def when(moment: dt.datetime | None) -> str:
    """``2026-11-20 06:00`` in the moment's own zone, for log lines."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "never"


@dataclass(frozen=True)
class MissedRun:
    """A scheduled slot that passed with no successful run of its job since."""

    kind: str
    slot: dt.datetime
    run_now: bool  # False: older than the grace period, skipped
    message: str


def missed_run(
    kind: str, trigger: BaseTrigger, now: dt.datetime, last_success: dt.datetime | None, grace: dt.timedelta,
) -> MissedRun | None:
    """Decide what to do at start-up about slots missed while the service (or machine) was down.

    Only the most recent slot at or before ``now`` matters, so any number of missed slots coalesce into
    at most one run; it runs only if it is no older than ``grace``. ``last_success`` is when the last
    successful run of ``kind`` started (from the run ledger), None if it never succeeded.
    """
    slot = last_fire(trigger, now)
    if slot is None or (last_success is not None and last_success >= slot):
        return None
    late = now - slot
    if late > grace:
        return MissedRun(kind, slot, False, (
            f"missed {kind} at {when(slot)} is {_span(late)} old, beyond the grace period"
            f" ({_span(grace)}); skipping it, the next scheduled run will do the work"))
    return MissedRun(kind, slot, True, f"missed {kind} at {when(slot)} (machine off?); running it now")


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


def retry_delay(failures: int, retry_minutes: int, max_retries: int) -> dt.timedelta | None:
    """Wait before retry number ``failures`` (1-based): retry_minutes × 2^(failures-1); None once beyond max_retries."""
    if failures < 1 or failures > max_retries:
        return None
    return dt.timedelta(minutes=retry_minutes * 2 ** (failures - 1))


def needs_fetch_first(last_ok_fetch: dt.datetime | None, now: dt.datetime, period_days: int) -> bool:
    """A digest fetches first when the last successful fetch ended more than a digest period ago (or never)."""
    return last_ok_fetch is None or now - last_ok_fetch > dt.timedelta(days=period_days)

