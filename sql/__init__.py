"""Named queries (``*.sql``) and derived views (``views/*.sql``), shipped inside the package.

Pure data: read them through :mod:`supplylake.query.sql_files` (importlib.resources), so they
work from an installed package as well as from a checkout. ``supplylake sql --query NAME`` runs
``NAME.sql``; parameters are ``:name`` placeholders (see :mod:`supplylake.query.params`).
"""
