"""Cron expressions: validation and next fire times (croniter), the dialect Azure ML takes.

Azure ML's ``CronTrigger`` takes five fields, ``minute hour day month
weekday``, with ``*``, lists, ranges and steps. ``check_cron`` accepts exactly
that (no seconds field, no ``@hourly`` nicknames, no ``L``/``W``/``#``), so a
schedule valid here is valid on both targets. Pure.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_FIELD = re.compile(
    r"^(?:\*|\d{1,2}(?:-\d{1,2})?)(?:/\d{1,2})?(?:,(?:\*|\d{1,2}(?:-\d{1,2})?)(?:/\d{1,2})?)*$"
)
_NAMED = re.compile(r"^[A-Za-z]{3}(?:-[A-Za-z]{3})?(?:,[A-Za-z]{3}(?:-[A-Za-z]{3})?)*$")


def check_cron(expression: str) -> str | None:
    """Why ``expression`` is not a five-field cron expression Azure ML accepts, or None."""
    if not isinstance(expression, str):
        return f"must be a cron expression string, got {expression!r}"
    fields = expression.split()
    if len(fields) != 5:
        return (
            "must have five fields 'minute hour day month weekday' "
            f"(e.g. '0 3 * * 1'), got {len(fields)} in {expression!r}"
        )
    for index, field in enumerate(fields):
        named_ok = index >= 3 and _NAMED.fullmatch(field)
        if not (_FIELD.fullmatch(field) or named_ok):
            return f"field {index + 1} ({field!r}) of {expression!r} is not valid cron syntax"
    from croniter import croniter

    if not croniter.is_valid(expression):
        return f"{expression!r} is out of range (minute 0-59, hour 0-23, day 1-31, month 1-12)"
    try:
        croniter(expression, datetime(2000, 1, 1, tzinfo=timezone.utc)).get_next(datetime)
    except (ValueError, KeyError) as exc:
        return f"{expression!r} never fires: {exc}"
    return None


def check_time_zone(name: str) -> str | None:
    """Why ``name`` is not an IANA time zone (``UTC``, ``Europe/Berlin``), or None."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"must be an IANA time zone such as UTC or Europe/Berlin, got {name!r}"
    return None


def next_fire(expression: str, after: float, time_zone: str = "UTC") -> float:
    """The first fire time of ``expression`` (read in ``time_zone``) strictly after
    ``after``; unix seconds."""
    from zoneinfo import ZoneInfo

    from croniter import croniter

    start = datetime.fromtimestamp(after, ZoneInfo(time_zone))
    nxt: datetime = croniter(expression, start).get_next(datetime)
    return nxt.timestamp()
