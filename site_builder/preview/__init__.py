"""The live preview (``python -m site_builder serve``): ``server`` runs it (build with drafts,
serve, rebuild on change), over ``watcher`` (change detection), ``events`` (the build outcome
sent to open pages), ``handler`` (the answers to requests, Netlify-like through ``netlify``)
and ``indexer`` (the search index, in the background), on :mod:`site_builder.loopback`.

May import the base modules and content/, data/, releases, evaluate/, charts/, render/ and
build/; never check/, which sits beside it, nor the command line.
"""
