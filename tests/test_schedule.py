"""Scheduling logic with a controlled clock: crontab parsing, time zones across DST, missed runs, retries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from configs import write_config
from littrack.config import load_config
from littrack.errors import ConfigError
from littrack.schedule import (
    crontab_weekdays,
    is_repeated_wall_time,
    last_fire,
    missed_run,
    needs_fetch_first,
    next_fire,
    parse_schedule,
    retry_delay,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def fires(expr: str, tz: ZoneInfo, start: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` fire times after ``start``, stepping the way the scheduler does (by instant)."""
    trigger = parse_schedule(expr, tz)
    out: list[dt.datetime] = []
    previous = None
    now = start
    while len(out) < count:
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        out.append(fire)
        previous, now = fire, fire
    return out


def retry_schedule(retry_minutes: int, max_retries: int) -> list[dt.timedelta]:
    """Every retry delay a failing job gets before it waits for its next scheduled run."""
    delays = (retry_delay(n, retry_minutes, max_retries) for n in range(1, max_retries + 1))
    return [d for d in delays if d is not None]


def test_crontab_weekday_numbers_count_from_sunday_like_cron() -> None:
    friday = dt.datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN)
    assert next_fire(parse_schedule("0 7 * * 1", BERLIN), friday) == dt.datetime(2026, 11, 23, 7, 0, tzinfo=BERLIN)
    assert next_fire(parse_schedule("0 7 * * 0", BERLIN), friday) == dt.datetime(2026, 11, 22, 7, 0, tzinfo=BERLIN)
    assert next_fire(parse_schedule("0 7 * * 7", BERLIN), friday) == dt.datetime(2026, 11, 22, 7, 0, tzinfo=BERLIN)


def test_weekday_names_and_ranges_parse() -> None:
    saturday = dt.datetime(2026, 11, 21, 12, 0, tzinfo=BERLIN)
    assert next_fire(parse_schedule("0 7 * * mon", BERLIN), saturday).day == 23  # type: ignore[union-attr]
    assert next_fire(parse_schedule("0 7 * * MON-FRI", BERLIN), saturday).day == 23  # type: ignore[union-attr]
    assert crontab_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_weekdays("mon,wed,fri") == "mon,wed,fri"
    assert crontab_weekdays("*/2") == "sun,tue,thu,sat"
    assert crontab_weekdays("5-7") == "sun,fri,sat"
    assert crontab_weekdays("*") == "*"


@pytest.mark.parametrize(
    "expr",
    [
        "0 7 * *",  # four fields
        "61 6 * * *",  # minute out of range
        "0 7 * * funday",  # unknown weekday
        "0 7 * * fri-mon",  # backwards range
        "0 7 1 * mon",  # cron ORs day and weekday, APScheduler ANDs them: refused
        "@every 0s",
        "@every five minutes",
    ],
)
def test_invalid_schedules_are_refused_with_a_reason(expr: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_schedule(expr, BERLIN)


def test_config_names_the_key_of_a_bad_schedule(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9/", schedule={"fetch": "0 25 * * *"})
    with pytest.raises(ConfigError, match=r"schedule\.fetch: not a valid cron schedule"):
        load_config(path)


def test_config_accepts_crontab_sunday_as_seven_and_the_every_form(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9/", schedule={"fetch": "@every 5s", "digest": "0 7 * * 7"})
    assert load_config(path).schedule.digest == "0 7 * * 7"


def test_daily_0230_runs_once_on_the_night_clocks_spring_forward() -> None:
    # 2026-03-29 02:00 CET jumps to 03:00 CEST: 02:30 does not exist that night.
    got = fires("30 2 * * *", BERLIN, dt.datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN), 3)
    assert [f.astimezone(UTC) for f in got] == [
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 03:30 CEST, once
        dt.datetime(2026, 3, 30, 0, 30, tzinfo=UTC),  # 02:30 CEST
        dt.datetime(2026, 3, 31, 0, 30, tzinfo=UTC),
    ]


def test_daily_0230_runs_once_on_the_night_clocks_fall_back() -> None:
    # 2026-10-25 03:00 CEST goes back to 02:00 CET: 02:30 happens twice; cron runs the job once.
    got = fires("30 2 * * *", BERLIN, dt.datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN), 2)
    assert [f.astimezone(UTC) for f in got] == [
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST
        dt.datetime(2026, 10, 26, 1, 30, tzinfo=UTC),  # next day 02:30 CET
    ]


def test_every_half_hour_keeps_both_passes_through_the_repeated_hour() -> None:
    got = fires("*/30 * * * *", BERLIN, dt.datetime(2026, 10, 25, 1, 45, tzinfo=BERLIN), 5)
    assert [f.astimezone(UTC).strftime("%H:%M") for f in got] == ["00:00", "00:30", "01:00", "01:30", "02:00"]


def test_repeated_wall_time_is_only_the_second_pass() -> None:
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)
    second = dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)
    assert not is_repeated_wall_time(first)
    assert is_repeated_wall_time(second)
    assert not is_repeated_wall_time(dt.datetime(2026, 3, 29, 2, 30, fold=1, tzinfo=BERLIN))  # gap, not repeat
    assert not is_repeated_wall_time(dt.datetime(2026, 7, 1, 2, 30, tzinfo=BERLIN))


def test_last_fire_is_the_most_recent_slot_at_or_before_now() -> None:
    def berlin(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2026, 11, day, hour, 0, tzinfo=BERLIN)

    trigger = parse_schedule("0 6 * * *", BERLIN)
    assert last_fire(trigger, berlin(21, 5)) == berlin(20, 6)
    assert last_fire(trigger, berlin(21, 6)) == berlin(21, 6)
    assert last_fire(parse_schedule("0 7 * * mon", BERLIN), berlin(22, 9)) == berlin(16, 7)
    assert last_fire(parse_schedule("@every 5s", BERLIN), berlin(22, 9)) is None


def test_three_missed_days_coalesce_into_one_run_now() -> None:
    trigger = parse_schedule("0 6 * * *", BERLIN)
    last_ok = dt.datetime(2026, 11, 17, 5, 0, tzinfo=UTC)  # 06:00 Berlin on the 17th; machine off since
    now = dt.datetime(2026, 11, 20, 7, 15, tzinfo=BERLIN)
    decision = missed_run("fetch", trigger, now, last_ok, dt.timedelta(minutes=720))
    assert decision is not None and decision.run_now
    assert decision.slot == dt.datetime(2026, 11, 20, 6, 0, tzinfo=BERLIN)
    assert decision.message == "missed fetch at 2026-11-20 06:00 (machine off?); running it now"


def test_a_missed_slot_older_than_the_grace_period_is_skipped_with_a_reason() -> None:
    trigger = parse_schedule("0 6 * * *", BERLIN)
    now = dt.datetime(2026, 11, 20, 19, 0, tzinfo=BERLIN)  # 13 h after the slot, grace 12 h
    decision = missed_run("fetch", trigger, now, None, dt.timedelta(minutes=720))
    assert decision is not None and not decision.run_now
    assert decision.message.startswith("missed fetch at 2026-11-20 06:00 is 13 h old, beyond the grace period (12 h)")


def test_nothing_is_missed_when_a_run_succeeded_since_the_last_slot() -> None:
    trigger = parse_schedule("0 6 * * *", BERLIN)
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN)
    ran = dt.datetime(2026, 11, 20, 5, 0, 3, tzinfo=UTC)  # 06:00:03 Berlin
    assert missed_run("fetch", trigger, now, ran, dt.timedelta(hours=12)) is None
    assert missed_run("fetch", parse_schedule("@every 5s", BERLIN), now, None, dt.timedelta(hours=12)) is None


def test_missed_slot_is_found_across_the_dst_change() -> None:
    trigger = parse_schedule("30 2 * * *", BERLIN)
    now = dt.datetime(2026, 3, 29, 8, 0, tzinfo=BERLIN)
    decision = missed_run("fetch", trigger, now, None, dt.timedelta(hours=12))
    assert decision is not None and decision.run_now
    assert decision.slot.astimezone(UTC) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_retry_backoff_doubles_and_is_bounded() -> None:
    assert retry_schedule(15, 3) == [dt.timedelta(minutes=15), dt.timedelta(minutes=30), dt.timedelta(minutes=60)]
    assert retry_delay(4, 15, 3) is None
    assert retry_delay(0, 15, 3) is None
    assert retry_schedule(15, 0) == []
    assert retry_schedule(0, 2) == [dt.timedelta(0), dt.timedelta(0)]


def test_digest_fetches_first_when_the_last_fetch_is_older_than_the_period() -> None:
    now = dt.datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert needs_fetch_first(None, now, 7)
    assert needs_fetch_first(now - dt.timedelta(days=8), now, 7)
    assert not needs_fetch_first(now - dt.timedelta(days=1), now, 7)
