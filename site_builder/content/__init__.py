"""Content: what writers type, read and checked before any data are touched.

It owns taking a source file apart (``source``: front matter, fenced and chart blocks, the
YAML loader and what it refuses, the slug pattern), the validated front matter and
:class:`~site_builder.content.document.Document` (``document``), chart blocks set aside from
the body (``fences``), Markdown to HTML with typography (``markdown``, ``typography``), the
raw-HTML allowlist (``sanitise``), the site's entries as listings see them (``entries``) and
the starter brief (``scaffold``).

It may import the base modules (errors, project, config, atomic, report, formatting) only.
"""
