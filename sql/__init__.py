"""Named queries (``*.sql`` with ``:name`` parameters), shipped inside the package for ``supplylake sql``."""
