"""Orientation (axe 1): the printable sheet and its anonymous event."""
