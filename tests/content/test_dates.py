"""Front-matter dates: ISO and Vietnamese forms, the site's time zone, and impossible dates."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from sitegen.content.dates import DateError, parse_date
from sitetest import TZ

UTC = timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("2024-01-09 14:18", datetime(2024, 1, 9, 14, 18, tzinfo=TZ)),
    ("2024-01-09T14:18", datetime(2024, 1, 9, 14, 18, tzinfo=TZ)),
    ("2024-01-09 14:18:05", datetime(2024, 1, 9, 14, 18, 5, tzinfo=TZ)),
    ("2024-01-09", datetime(2024, 1, 9, tzinfo=TZ)),
    ("2024-1-9", datetime(2024, 1, 9, tzinfo=TZ)),
    ("09/01/2024 14:18", datetime(2024, 1, 9, 14, 18, tzinfo=TZ)),
    ("9/1/2024 8:05", datetime(2024, 1, 9, 8, 5, tzinfo=TZ)),
    ("09/01/2024 14h18", datetime(2024, 1, 9, 14, 18, tzinfo=TZ)),
    ("09/01/2024", datetime(2024, 1, 9, tzinfo=TZ)),
    ("14:18 09/01/2024", datetime(2024, 1, 9, 14, 18, tzinfo=TZ)),
    ("  09/01/2024 14:18  ", datetime(2024, 1, 9, 14, 18, tzinfo=TZ)),
    ("29/02/2024", datetime(2024, 2, 29, tzinfo=TZ)),
])
def test_accepted_forms_are_in_the_site_time_zone(text, expected):
    got = parse_date(text, TZ)
    assert got == expected
    assert got.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("text, utc", [
    ("2024-01-09T07:18:00Z", datetime(2024, 1, 9, 7, 18, tzinfo=UTC)),
    ("2024-01-09T14:18:00+07:00", datetime(2024, 1, 9, 7, 18, tzinfo=UTC)),
    ("2024-01-09 14:18 +0700", datetime(2024, 1, 9, 7, 18, tzinfo=UTC)),
    ("2024-01-09T02:18:00-05:00", datetime(2024, 1, 9, 7, 18, tzinfo=UTC)),
])
def test_explicit_offsets_are_kept(text, utc):
    assert parse_date(text, TZ) == utc


def test_date_objects_are_accepted():
    assert parse_date(date(2024, 1, 9), TZ) == datetime(2024, 1, 9, tzinfo=TZ)
    assert parse_date(datetime(2024, 1, 9, 14, 18), TZ) == datetime(2024, 1, 9, 14, 18, tzinfo=TZ)


@pytest.mark.parametrize("text", [
    "31/02/2024", "2023-02-29", "29/02/2023", "31/04/2024", "00/01/2024", "2024-00-10", "2024-13-01",
    "32/01/2024", "2024-01-09 24:00", "2024-01-09 14:60", "09/01/2024 14:18:61", "0000-01-01",
    "2024-01-09T10:00+25:00", "2024-01-09T10:00+07:99", "hôm qua", "", "09-01-2024", "2024/01/09",
    "09/01/24", "10000-01-01",
])
def test_impossible_or_unreadable_dates_raise_date_error(text):
    with pytest.raises(DateError) as info:
        parse_date(text, TZ)
    assert str(info.value)


@pytest.mark.parametrize("value", [20240109, 12.5, True, ["2024-01-09"], {"y": 2024}, None])
def test_values_that_are_not_dates(value):
    with pytest.raises(DateError):
        parse_date(value, TZ)


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)))
def test_vietnamese_and_iso_forms_agree(dt):
    dt = dt.replace(second=0, microsecond=0)
    vn = parse_date(dt.strftime("%d/%m/%Y %H:%M"), TZ)
    iso = parse_date(dt.strftime("%Y-%m-%d %H:%M"), TZ)
    assert vn == iso == dt.replace(tzinfo=TZ)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(1, 31))
def test_day_numbers_are_checked_against_the_month(d, day):
    text = f"{day:02d}/{d.month:02d}/{d.year}"
    try:
        expected = date(d.year, d.month, day)
    except ValueError:
        with pytest.raises(DateError):
            parse_date(text, TZ)
    else:
        assert parse_date(text, TZ).date() == expected


def test_dates_with_the_same_offset_share_one_zone():
    """One tzinfo object per offset, so a pickle of the site model holds it once."""
    import pickle
    a = parse_date("2025-05-28T13:10:00+07:00", TZ)
    b = parse_date("2024-01-09 08:00 +0700", TZ)
    c = parse_date("2024-01-09 08:00-05:30", TZ)
    assert a.tzinfo is b.tzinfo and a.utcoffset() == timedelta(hours=7)
    assert c.utcoffset() == -timedelta(hours=5, minutes=30) and c.tzinfo is not a.tzinfo
    again = pickle.loads(pickle.dumps([a, b]))
    assert again == [a, b] and again[0].tzinfo is again[1].tzinfo
