"""The error every import reader raises for a file it refuses as a whole."""

from __future__ import annotations


class InvalidImportFile(ValueError):
    """A file Relais cannot read as a whole: nothing of it is imported (``message`` is
    French, for the person who sent the file)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)
