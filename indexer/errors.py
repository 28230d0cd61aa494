"""The errors of an import: a file refused as a whole (every reader raises it), a store kept
locked by another import."""

from __future__ import annotations


class InvalidImportFile(ValueError):
    """A file Relais cannot read as a whole: nothing of it is imported (``message`` is
    French, for the person who sent the file)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


STORE_BUSY = (
    "Le magasin est occupé (un autre import est-il en cours ?) : rien n'a été modifié, "
    "réessayez plus tard."
)


class StoreBusy(Exception):
    """Another import held the store's write lock longer than ``Store``'s busy timeout:
    nothing was written (``message`` is French)."""

    def __init__(self, message: str = STORE_BUSY):
        self.message = message
        super().__init__(message)
