"""Charts drawn: a prepared chart (``evaluate.charts.Chart``: rows, spec, description) as
static and accessible SVG, the Vega bundle interactive charts run on (``draw.py``), the
pages' social cards (``social.py``), and the one font both are drawn in, whatever fonts the
machine has (``fonts.py``).

It may import evaluate/, data/, content/ and the base modules; nothing above.
"""
