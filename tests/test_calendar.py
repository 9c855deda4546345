"""The FT-900 release calendar: reading it strictly, and what it says about a day or a moment."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from conftest import REPO

from site_builder.errors import SiteError
from site_builder.releases import (
    EASTERN,
    Release,
    latest,
    load_calendar,
    main,
    next_after,
    release_morning,
    today_decision,
)

CALENDAR = REPO / "content" / "data" / "releases.toml"
UTC = dt.UTC

# Two real releases, one in winter (EST, UTC-5) and one in summer (EDT, UTC-4).
WINTER = Release(dt.date(2026, 1, 8), "2025-10")
SUMMER = Release(dt.date(2025, 7, 3), "2025-05")
BOTH = (SUMMER, WINTER)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "releases.toml"
    path.write_text(text, encoding="utf-8")
    return path


def release_table(day: str, covers: str, extra: str = "") -> str:
    return f'[[release]]\ndate = {day}\ncovers = "{covers}"\n{extra}\n'


# -- the repository's calendar ------------------------------------------------------------------

def test_the_repository_calendar_loads_in_order() -> None:
    releases = load_calendar(CALENDAR)
    assert len(releases) >= 12
    assert [r.date for r in releases] == sorted({r.date for r in releases})
    assert all(r.date.weekday() < 5 for r in releases), "the FT-900 comes out on weekdays"


def test_every_date_in_the_repository_calendar_names_its_source() -> None:
    """A date without a source beside it is a guess: the header line carries a comment."""
    lines = CALENDAR.read_text("utf-8").splitlines()
    headers = [line for line in lines if line.startswith("[[release]]")]
    assert len(headers) == len(load_calendar(CALENDAR))
    for line in headers:
        assert re.match(r"\[\[release\]\]\s+#\s*\S.{20,}", line), f"no source: {line!r}"


# -- mistakes, each with the file and the line --------------------------------------------------

@pytest.mark.parametrize(("text", "line", "complaint"), [
    (release_table("2026-03-12", "2026-01", 'note = "x"'), 1, "unknown key(s) note"),
    (release_table('"2026-03-12"', "2026-01"), 1,
     "date must be a day, unquoted (got '2026-03-12')"),
    (release_table("2026-03-12T08:30:00", "2026-01"), 1, "date must be a day"),
    (release_table("2026-03-12", "2026-1"), 1,
     "covers must be a month, \"YYYY-MM\" (got '2026-1')"),
    (release_table("2026-03-12", "2026-13"), 1, "covers must be a month"),
    (release_table("2026-03-12", "2026-03"), 1, "a release covers a month before its own"),
    (release_table("2026-03-12", "2026-01", "name = 3"), 1, "name must be text"),
    (release_table("2026-01-08", "2025-10") + release_table("2026-01-08", "2025-11"), 5,
     "release 2: 2026-01-08 is listed twice (also release 1)"),
    (release_table("2026-01-08", "2025-10") + release_table("2026-01-29", "2025-10"), 5,
     "release 2: 2025-10 is listed twice"),
    (release_table("2026-01-29", "2025-11") + release_table("2026-01-08", "2025-10"), 5,
     "release 2: 2026-01-08 comes after 2026-01-29 (release 1); list the releases oldest first"),
    ("# calendar\n\n[[release]]\ndate = 2026-01-08\ncovers = 2025-10\n", 5, "not valid TOML"),
    ('title = "FT-900"\n' + release_table("2026-01-08", "2025-10"), 1,
     "the calendar holds only [[release]] tables (found title)"),
], ids=["unknown-key", "quoted-date", "datetime", "short-month", "month-13", "covers-own-month",
        "name", "duplicate-date", "duplicate-month", "unsorted", "toml", "top-level-key"])
def test_mistakes_name_the_file_and_line(tmp_path: Path, text: str, line: int,
                                         complaint: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SiteError) as info:
        load_calendar(path)
    assert (info.value.path, info.value.line) == (path, line)
    assert complaint in info.value.message
    assert f"{path}:{line}:" in str(info.value)
    assert "oldest first" in info.value.hint


def test_a_missing_calendar_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match="no release calendar"):
        load_calendar(tmp_path / "releases.toml")


def test_an_empty_calendar_has_no_releases(tmp_path: Path) -> None:
    assert load_calendar(write(tmp_path, "# nothing yet\n")) == ()


def test_names_are_kept_and_titles_made_otherwise(tmp_path: Path) -> None:
    path = write(tmp_path, release_table("2026-01-08", "2025-10", 'name = "Delayed release"')
                 + release_table("2026-01-29", "2025-11"))
    first, second = load_calendar(path)
    assert first == Release(dt.date(2026, 1, 8), "2025-10", "Delayed release")
    assert first.title == "Delayed release"
    assert second.title == "U.S. International Trade in Goods and Services, November 2025"


# -- latest and next ----------------------------------------------------------------------------

def test_latest_and_next_by_day() -> None:
    day = dt.date
    assert latest(BOTH, day(2025, 7, 2)) is None
    assert next_after(BOTH, day(2025, 7, 2)) == SUMMER
    assert latest(BOTH, day(2025, 7, 3)) == SUMMER  # a day counts its own release
    assert next_after(BOTH, day(2025, 7, 3)) == WINTER
    assert latest(BOTH, day(2025, 12, 31)) == SUMMER
    assert latest(BOTH, day(2026, 1, 8)) == WINTER
    assert next_after(BOTH, day(2026, 1, 8)) is None
    assert latest((), day(2026, 1, 8)) is None


def test_latest_and_next_by_moment_turn_at_half_past_eight_eastern() -> None:
    before = dt.datetime(2026, 1, 8, 8, 29, tzinfo=EASTERN)
    after = dt.datetime(2026, 1, 8, 8, 30, tzinfo=EASTERN)
    assert (latest(BOTH, before), next_after(BOTH, before)) == (SUMMER, WINTER)
    assert (latest(BOTH, after), next_after(BOTH, after)) == (WINTER, None)
    assert WINTER.published == dt.datetime(2026, 1, 8, 13, 30, tzinfo=UTC)  # EST
    assert SUMMER.published == dt.datetime(2025, 7, 3, 12, 30, tzinfo=UTC)  # EDT


# -- release mornings across daylight saving time -----------------------------------------------

@pytest.mark.parametrize(("moment", "expected"), [
    # 8 January 2026: Eastern Standard Time, UTC-5
    (dt.datetime(2026, 1, 8, 13, 29, tzinfo=UTC), None),  # 08:29 EST
    (dt.datetime(2026, 1, 8, 13, 30, tzinfo=UTC), WINTER),  # 08:30 EST
    (dt.datetime(2026, 1, 8, 13, 31, tzinfo=UTC), WINTER),  # 08:31 EST
    (dt.datetime(2026, 1, 8, 12, 31, tzinfo=UTC), None),  # 08:31 in EDT terms: too early
    (dt.datetime(2026, 1, 9, 4, 59, tzinfo=UTC), WINTER),  # 23:59 EST, still the 8th
    (dt.datetime(2026, 1, 9, 5, 0, tzinfo=UTC), None),  # midnight: the 9th
    # 3 July 2025: Eastern Daylight Time, UTC-4
    (dt.datetime(2025, 7, 3, 12, 29, tzinfo=UTC), None),  # 08:29 EDT
    (dt.datetime(2025, 7, 3, 12, 31, tzinfo=UTC), SUMMER),  # 08:31 EDT
    (dt.datetime(2025, 7, 3, 8, 31, tzinfo=dt.timezone(dt.timedelta(hours=-4))), SUMMER),
    (dt.datetime(2025, 7, 4, 3, 59, tzinfo=UTC), SUMMER),  # 23:59 EDT
    # not a release day
    (dt.datetime(2025, 7, 2, 12, 31, tzinfo=UTC), None),
    (dt.datetime(2026, 1, 7, 13, 31, tzinfo=UTC), None),
])
def test_release_morning(moment: dt.datetime, expected: Release | None) -> None:
    assert release_morning(BOTH, moment) == expected
    assert today_decision(BOTH, moment) == ("release" if expected else "no-release")


def test_a_moment_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        release_morning(BOTH, dt.datetime(2026, 1, 8, 8, 31))


# -- the command the scheduled workflow runs ----------------------------------------------------

def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def calendar_file(tmp_path: Path) -> str:
    return str(write(tmp_path, release_table("2025-07-03", "2025-05")
                     + release_table("2026-01-08", "2025-10")))


def test_today_prints_release_on_a_release_morning(tmp_path: Path) -> None:
    path = calendar_file(tmp_path)
    assert run("--calendar", path, "--now", "2026-01-08T08:31-05:00", "today")[:2] == (
        0, "release\n")
    assert run("--calendar", path, "--now", "2025-07-03T12:31Z", "today")[:2] == (0, "release\n")


def test_today_prints_no_release_otherwise(tmp_path: Path) -> None:
    path = calendar_file(tmp_path)
    for moment in ("2026-01-08T08:29-05:00", "2025-07-03T12:29Z", "2025-07-02T13:00Z"):
        assert run("--calendar", path, "--now", moment, "today")[:2] == (0, "no-release\n")


def test_next_and_a_warning_when_the_calendar_runs_out(tmp_path: Path) -> None:
    path = calendar_file(tmp_path)
    status, out, err = run("--calendar", path, "--now", "2025-08-01T12:00Z", "next")
    assert (status, out, err) == (0, "2026-01-08 2025-10\n", "")
    status, out, err = run("--calendar", path, "--now", "2026-02-01T12:00Z", "next")
    assert (status, out) == (0, "none\n")
    assert "no release after 2026-01-08" in err


def test_a_broken_calendar_fails_the_command(tmp_path: Path) -> None:
    path = write(tmp_path, release_table("2026-01-08", "2025-1"))
    status, out, err = run("--calendar", str(path), "today")
    assert (status, out) == (1, "")
    assert f"{path}:1: release 1: covers must be a month" in err


def test_a_moment_without_a_zone_fails_the_command(tmp_path: Path) -> None:
    status, _, err = run("--calendar", calendar_file(tmp_path), "--now", "2026-01-08T08:31",
                         "today")
    assert status == 1
    assert "no time zone" in err
