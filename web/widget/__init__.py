"""The embeddable search widget ``/widget`` (for an iframe)."""
