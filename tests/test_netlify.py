"""netlify.toml's headers and redirects, matched the way Netlify documents them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from site_builder.errors import SiteError
from site_builder.preview.netlify import Redirect, Rules, load_rules


def rules_from(tmp_path: Path, text: str) -> Rules:
    path = tmp_path / "netlify.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


def no_files(path: str) -> bool:
    return False


HEADERS = """
[build]
  publish = "output"

[[headers]]
  for = "/*"
  [headers.values]
    X-Frame-Options = "DENY"
    Referrer-Policy = "strict-origin-when-cross-origin"

[[headers]]
  for = "/briefs/*"
  [headers.values]
    X-Robots-Tag = "noindex"
    x-frame-options = "SAMEORIGIN"

[[headers]]
  for = "/*.csv"
  [headers.values]
    Content-Disposition = "attachment"
    Cache-Control = '''
      public,
      max-age=3600'''
    Link = ["</a.css>; rel=preload", "</b.js>; rel=preload"]
    Set-Cookie = "ignored=1"
"""


def test_a_site_wide_rule_applies_everywhere(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, HEADERS)
    for path in ("/", "/index.html", "/archive/2025/", "/assets/site.css"):
        assert rules.headers_for(path) == {"X-Frame-Options": "DENY",
                                           "Referrer-Policy": "strict-origin-when-cross-origin"}


def test_matching_rules_merge_and_repeated_headers_join(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, HEADERS)
    # Netlify applies every matching rule; a header two rules set gets both values, joined
    # (header names ignore case; the first rule's spelling is kept).
    expected = {"X-Frame-Options": "DENY, SAMEORIGIN",
                "Referrer-Policy": "strict-origin-when-cross-origin", "X-Robots-Tag": "noindex"}
    assert rules.headers_for("/briefs/deficit/") == expected
    assert rules.headers_for("/briefs") == expected  # "/briefs/*" covers the folder itself
    assert rules.headers_for("/BRIEFS/deficit/") == expected  # Netlify ignores case here
    assert "X-Robots-Tag" not in rules.headers_for("/briefsx/")


def test_wildcards_inside_a_segment_and_value_normalisation(tmp_path: Path) -> None:
    headers = rules_from(tmp_path, HEADERS).headers_for("/briefs/deficit/recent-balance.csv")
    assert headers["Content-Disposition"] == "attachment"
    assert headers["Cache-Control"] == "public, max-age=3600"  # a multi-line value, one line
    assert headers["Link"] == "</a.css>; rel=preload, </b.js>; rel=preload"
    assert "Set-Cookie" not in headers  # Netlify sets that one itself
    assert "Content-Disposition" not in rules_from(tmp_path, HEADERS).headers_for("/a.csvx")


def test_placeholders_in_header_rules_match_one_segment(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, '[[headers]]\nfor = "/:section/index.html"\n'
                                 '[headers.values]\nX-Test = "yes"\n')
    assert rules.headers_for("/briefs/index.html") == {"X-Test": "yes"}
    assert rules.headers_for("/briefs/deficit/index.html") == {}
    assert rules.headers_for("/index.html") == {}


REDIRECTS = """
[[redirects]]
  from = "/old-briefs/*"
  to = "/briefs/:splat"
  status = 301

[[redirects]]
  from = "/news/:year/:slug"
  to = "/archive/:year/#:slug"
  status = 302

[[redirects]]
  from = "/latest"
  to = "/briefs/us-trade-deficit-2024/"
  status = 200

[[redirects]]
  from = "/about"
  to = "/pages/about/"

[[redirects]]
  from = "/index.html"
  to = "/"
  force = true

[[redirects]]
  from = "/*"
  to = "/404.html"
  status = 404
"""


def test_splat_placeholders_and_statuses(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, REDIRECTS)

    def target(path: str) -> tuple[str, int] | None:
        match = rules.redirect_for(path, no_files)
        return None if match is None else (match.target, match.status)

    assert target("/old-briefs/deficit/index.html") == ("/briefs/deficit/index.html", 301)
    assert target("/old-briefs") == ("/briefs/", 301)  # the splat may be empty
    assert target("/news/2025/deficit") == ("/archive/2025/#deficit", 302)
    assert target("/news/2025/deficit/") == ("/archive/2025/#deficit", 302)  # trailing slash
    assert target("/latest") == ("/briefs/us-trade-deficit-2024/", 200)  # a rewrite
    assert target("/about") == ("/pages/about/", 301)  # status defaults to 301
    assert target("/About") == ("/404.html", 404)  # redirects are case-sensitive
    assert target("/news/2025") == ("/404.html", 404)  # a placeholder needs its segment
    assert rules.redirect_for("/latest", no_files).is_redirect is False  # type: ignore[union-attr]


def test_an_existing_file_shadows_a_rule_unless_forced(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, REDIRECTS)
    files = {"/index.html", "/briefs/deficit/", "/about"}

    def exists(path: str) -> bool:
        return path in files

    assert rules.redirect_for("/briefs/deficit/", exists) is None  # served as it is
    assert rules.redirect_for("/about", exists) is None  # not even the specific rule applies
    forced = rules.redirect_for("/index.html", exists)
    assert forced is not None
    assert (forced.target, forced.status) == ("/", 301)
    missing = rules.redirect_for("/nothing/here", exists)
    assert missing is not None
    assert (missing.target, missing.status) == ("/404.html", 404)


def test_first_match_wins_and_self_loops_are_ignored(tmp_path: Path) -> None:
    rules = Rules(redirects=(Redirect("/a", "/a/", 301), Redirect("/a", "/b", 302),
                             Redirect("/a", "/c", 301)))
    match = rules.redirect_for("/a", no_files)
    assert match is not None
    assert (match.target, match.status) == ("/b", 302)


def test_the_repository_netlify_toml_is_headers_without_redirects(tmp_path: Path) -> None:
    rules = load_rules(REPO / "netlify.toml")
    assert "Content-Security-Policy" in rules.headers_for("/")
    # Netlify serves /404.html for a missing address by itself; renamed briefs' redirects
    # come from the _redirects file the build writes, not from netlify.toml.
    assert rules.redirect_for("/no/such/page", no_files) is None
    assert rules.redirect_for("/", lambda path: True) is None


def test_a_missing_file_means_no_rules(tmp_path: Path) -> None:
    assert load_rules(tmp_path / "netlify.toml") == Rules()


def test_conditional_rules_are_left_out_with_a_note(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, '[[redirects]]\nfrom = "/"\nto = "/fr/"\nstatus = 302\n'
                                 'conditions = {Language = ["fr"]}\n')
    assert rules.redirects == ()
    assert "conditions" in rules.notes[0]


@pytest.mark.parametrize(("text", "line", "complaint"), [
    ('[[headers]]\nfor = "/*"\n[headers.values]\nX-Frame-Options = DENY\n', 4,
     "not valid TOML"),
    ('[[redirects]]\nfrom = "/a"\nto = "/b"\nstatus = 200\n[[redirects]]\nfrom = "/c"\n'
     'to = "/d"\nstauts = 301\n', 8, "unknown key 'stauts'"),
    ('[[redirects]]\nfrom = "/a/*/b"\nto = "/b"\n', 2, "splat"),
    ('\n[[redirects]]\nfrom = "/a"\nto = "/b"\nstatus = 418\n', 5, "status 418"),
    ('[[headers]]\nfor = "/*"\n[headers.values]\nX-Count = 3\n', 4, "X-Count"),
], ids=["toml", "unknown-key", "splat", "status", "value"])
def test_mistakes_name_the_file_and_line(tmp_path: Path, text: str, line: int,
                                         complaint: str) -> None:
    path = tmp_path / "netlify.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SiteError) as info:
        load_rules(path)
    assert (info.value.path, info.value.line) == (path, line)
    assert complaint in info.value.message
    assert f"{path}:{line}:" in str(info.value)
