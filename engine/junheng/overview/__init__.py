"""The overview of many districts (and years) at a glance: ``junheng overview`` (issue 18).

A streaming pass: each filing is checked as ``junheng check`` checks it (``check.batch``, worker
processes), reduced where it was checked to a ``Summary`` whose size does not grow with its schools
(``summary``), and kept by the ``OverviewBuilder`` (``aggregate``), which builds the ``Overview``
(``model``) at the end. The formats render it from the same tables (``tables``): a self-contained
HTML page with SVG charts (``html``, ``charts``), an xlsx workbook (``xlsx``), JSON (its structure
in docs/overview.md) and Markdown. ``build.overview_of`` runs the whole; ``bench.measure`` times it.

Layer: above ``followup`` (whose ledger may give the rectification progress), below ``web`` and ``cli``.
"""
