"""The data layer: dataset declarations, the locked snapshot, and how it is (re)built.

It owns ``datasets.toml`` (``declarations``) and the one rule of which datasets are live
(``live``); the snapshot and its tables, with how a missing value is written
(``snapshot``); official series across vintages (``vintages``); writing a snapshot
(``store``, ``seed``); fetching from the APIs (``fetch``; ``http_client`` and its helpers;
one module per API in ``sources``), with the checks a fetched table must pass
(``validate``) and the diff it shows (``diff``); the fetch status (``status``); and the
``datasets`` listing (``listing``).

It may import content/ and the base modules; nothing above (evaluate, charts, render,
build, check, preview, the command line): what it needs from above, such as which pages a
fetch changes, is handed in.
"""
