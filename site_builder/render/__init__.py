"""Pages as readers get them: the site's Jinja templates filled with evaluated pages and
drawn charts (``templates``), the listings (index, tags, archive, search page, 404) and the
machine-readable views (Atom feed, sitemap, robots.txt).

May import: charts, evaluate, data, content and the base modules; never build, check or
preview.
"""
