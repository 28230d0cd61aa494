"""The search page ``/``: the form (works without JavaScript), results, facets, pages."""
