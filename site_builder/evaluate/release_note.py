"""What a page says about the release calendar: the next release, and whether its data
end before the latest release or before the site's newest data."""

from __future__ import annotations

from site_builder.evaluate.page import Page
from site_builder.formatting import day, period
from site_builder.releases import ReleaseStatus


def release_note(status: ReleaseStatus, page: Page) -> tuple[str, str]:
    """(the next release, a warning if the brief's data end before the latest release or
    before the site's newest data).

    Only what the page cites counts: its figures' and charts' sources and the datasets
    its charts read, not the copies it only compared figures with. Sources of one series
    count together: a series put together from several vintages ends where the newest
    of them ends, and only series with a live dataset among them can be behind.
    """
    upcoming = ""
    if status.upcoming:
        upcoming = ("Next scheduled release of US trade data: "
                    f"{day(status.upcoming.date.isoformat())}.")
    lasts = dict(status.lasts)
    groups: dict[str, set[str]] = {}
    for source in page.sources:
        groups.setdefault(source.series or source.dataset, set()).add(source.dataset)
    cited = {source.dataset for source in page.sources}
    for chart in page.charts:
        for name in chart.datasets:
            if name not in cited:
                groups.setdefault(name, set()).add(name)
    ends = [max(lasts[n] for n in names if n in lasts) for names in groups.values()
            if names & status.live and any(n in lasts for n in names)]
    if not ends:
        return upcoming, ""
    oldest, newest = min(ends), status.newest
    if status.latest and status.latest.covers >= newest:
        if oldest >= status.latest.covers:
            return upcoming, ""
        return upcoming, (f"Some of this brief's data end in {period(oldest)}, before the "
                          f"latest release ({day(status.latest.date.isoformat())}, covering "
                          f"{period(status.latest.covers)}).")
    # The site's data run past the calendar's latest release (or there is none): that
    # release is not the latest any more, and is not named.
    if not newest or oldest >= newest:
        return upcoming, ""
    return upcoming, (f"Some of this brief's data end in {period(oldest)}; the site's data "
                      f"run to {period(newest)}.")
