"""Dates in and out: frontmatter dates to aware datetimes; RFC 3339 and RFC 822 both ways.

Formatting is done here, not by feedgen's locale-swapping helper, so output never depends
on the process locale.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

EXPECTED_DATE = "a date like 2026-03-01, or a time like 2026-03-01T09:30:00+01:00"


def load_timezone(name: str) -> ZoneInfo:
    """Return the IANA zone, raising ValueError with a readable message when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name such as Europe/London)") from None


def parse_content_date(value: object, zone: tzinfo | None) -> datetime:
    """Turn a frontmatter date (string or YAML date) into an aware datetime, whole seconds.

    Naive times are read in the site's zone; with no zone they are refused rather than guessed,
    and local times that do not exist or occur twice (DST changes) are refused too.
    """
    if isinstance(value, str):
        text = value.strip()
        parsed = _parse_iso(text)
        if len(text) == 10:
            # A plain date means midnight where the publication is, or UTC when no zone is set.
            return parsed.replace(tzinfo=zone or UTC)
    elif isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
        if type(value) is date:
            return parsed.replace(tzinfo=zone or UTC)
    else:
        raise ValueError(f"expected {EXPECTED_DATE}, got {type(value).__name__} {value!r}")
    if parsed.tzinfo is None:
        if zone is None:
            raise ValueError(
                "time has no UTC offset and the site sets no timezone "
                "(add an offset such as +01:00, or set timezone in content/_index.md)"
            )
        parsed = _localise(parsed, zone)
    if parsed.year > 9999 or parsed.year < 1:
        raise ValueError(f"year {parsed.year} is out of range")
    return parsed.replace(microsecond=0) if parsed.microsecond else parsed


_ISO_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.,]+(Z|[+-]\d{2}:?\d{2})?)?", re.IGNORECASE)


def _parse_iso(text: str) -> datetime:
    if not _ISO_SHAPE.fullmatch(text):
        raise ValueError(f"expected {EXPECTED_DATE}, got {text!r}")
    try:
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date or time ({exc})") from None


def _localise(naive: datetime, zone: tzinfo) -> datetime:
    early = naive.replace(tzinfo=zone, fold=0)
    late = naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    # Round-trip through UTC tells a gap (time skipped) from a fold (time repeated).
    if early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValueError(f"{naive.isoformat()} does not exist in {zone} (clocks change); add a UTC offset")
    raise ValueError(f"{naive.isoformat()} happens twice in {zone} (clocks change); add a UTC offset")


def rfc3339(moment: datetime) -> str:
    """RFC 3339 timestamp with the article's own offset ('Z' for UTC)."""
    text = moment.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def rfc822(moment: datetime) -> str:
    """RFC 822 date as updated by RFC 1123 (four-digit year), with a numeric offset."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {sign}{hours:02d}{mins:02d}"
    )


_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z")


def parse_rfc3339(text: str) -> datetime | None:
    """Strict RFC 3339 date-time (Atom's dateConstruct), or None."""
    match = _RFC3339.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    tz_text = match.group(8)
    if tz_text in ("Z", "z"):
        zone: tzinfo = UTC
    else:
        tz_hours, tz_minutes = int(tz_text[1:3]), int(tz_text[4:6])
        if tz_hours > 23 or tz_minutes > 59:
            return None
        delta = timedelta(hours=tz_hours, minutes=tz_minutes)
        zone = timezone(-delta if tz_text[0] == "-" else delta)
    try:
        # Leap seconds (second 60) are legal in RFC 3339; read them as the next second's start.
        leap = second == 60
        moment = datetime(year, month, day, hour, minute, 59 if leap else second, tzinfo=zone)
    except ValueError:
        return None
    return moment + timedelta(seconds=1) if leap else moment


_RFC822 = re.compile(
    r"(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+"
    r"(\d{2}|\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+"
    r"([+-]\d{4}|UT|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z|[A-IK-Y])\Z"
)
_ZONES = {
    "UT": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}


def parse_rfc822(text: str) -> tuple[datetime, str | None] | None:
    """Parse an RFC 822 date (RFC 1123 years allowed); returns (instant, day-of-week as written)."""
    match = _RFC822.match(text.strip())
    if not match:
        return None
    dow, day, month, year_text, hour, minute, second, zone_text = match.groups()
    year = int(year_text)
    if len(year_text) == 2:
        year += 1900 if year >= 50 else 2000
    if zone_text in _ZONES:
        offset = timedelta(hours=_ZONES[zone_text])
    elif zone_text[0] in "+-":
        if int(zone_text[3:5]) > 59:
            return None
        offset = timedelta(hours=int(zone_text[1:3]), minutes=int(zone_text[3:5]))
        offset = -offset if zone_text[0] == "-" else offset
    else:
        offset = timedelta(0)  # military zones: RFC 1123 says treat as unknown, i.e. -0000
    try:
        moment = datetime(
            year,
            _MONTHS.index(month) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None
    return moment, dow


def weekday_name(moment: datetime) -> str:
    return _DAYS[moment.weekday()]
