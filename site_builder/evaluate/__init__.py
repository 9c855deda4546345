"""Evaluation: a parsed page and the snapshot in, a :class:`~site_builder.evaluate.page.Page`
out, every figure, claim and chart computed (``page.evaluate``, the one evaluator).

It owns the sandbox briefs' expressions run in, figures and claims, the page's data scope
and what it records (datasets read, citations, official figures shown), generated pages'
rows, and charts as data: a chart's rows, Vega-Lite spec and description are computed from
the data like any figure (``charts.py``); drawing them is the charts package's job.

It may import content/, data/ (and releases) and the base modules; nothing above.
"""
