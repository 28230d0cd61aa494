"""Text files as departments save them: the encoding decided per file, repaired per line.

Excel in France saves « CSV » in Windows-1252, « CSV UTF-8 » with a BOM, « texte Unicode » in
UTF-16; files edited by several tools mix them. ``TextLines`` reads such a file by blocks of
whole lines, bounded by ``Limits.max_line_bytes``.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import InvalidImportFile
from indexer.limits import Limits, megabytes

_BOM = b"\xef\xbb\xbf"
_SHOWN_LINES = 10


def _cp1252_repair(error: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: a byte that is not UTF-8 is read as Windows-1252 (the stray
    « é » an Excel user typed into a UTF-8 file), or U+FFFD when undefined there too."""
    return error.object[error.start : error.end].decode("cp1252", "replace"), error.end


codecs.register_error("relais-cp1252", _cp1252_repair)


class TextLines:
    """The text of a file, decoded by blocks of whole lines (``blocks()``) or line by line
    (iteration; line ends kept).

    UTF-16 with a BOM (Excel's « texte Unicode ») is read as such. Otherwise the encoding
    is decided for the whole file by its BOM or, without one, by its first non-ASCII line:
    UTF-8 if that line is valid UTF-8, else Windows-1252 (Excel's default in France). In a
    UTF-8 file, a line holding bytes that are not UTF-8 is repaired (those bytes read as
    Windows-1252) and reported by its line number: one faulty line never turns the whole
    file into mojibake. A line longer than ``limits.max_line_bytes`` refuses the file.
    Blocks of about ``BLOCK`` bytes are decoded at once (the common, valid case costs no
    Python per line); a block that is not valid UTF-8 is decoded line by line.
    """

    BLOCK = 1 << 20

    def __init__(self, handle, name: str, limits: Limits):
        self.handle, self.name, self.limits = handle, name, limits
        self.encoding: str | None = None
        self.repaired: list[int] = []
        self.line = 0  # iteration: physical line number of the last line yielded
        self._next_line = 1  # blocks: physical line number the next block starts at

    def __iter__(self) -> Iterator[str]:
        for start, text in self.blocks():
            for self.line, line in enumerate(io.StringIO(text, newline=""), start=start):
                yield line

    def blocks(self) -> Iterator[tuple[int, str]]:
        """``(first line number, text)`` of consecutive blocks of whole lines."""
        first = self.handle.read(2)
        self.handle.seek(0)
        if first in (b"\xff\xfe", b"\xfe\xff"):
            self.encoding = "utf-16"
            stream = io.TextIOWrapper(self.handle, encoding="utf-16", newline="")
            try:
                for block in self._cut(stream.read, "\n", "\r", self.limits.max_line_bytes // 2):
                    yield self._numbered(block, block.count("\n") or block.count("\r"))
            except UnicodeDecodeError as exc:
                raise InvalidImportFile(
                    f"{self.name} : fichier UTF-16 illisible après la ligne {self._next_line} "
                    f"({exc})."
                ) from exc
            finally:
                stream.detach()
            return
        for block in self._cut(self.handle.read, b"\n", b"\r", self.limits.max_line_bytes):
            if self._next_line == 1 and block.startswith(_BOM):
                block = block[3:]
                self.encoding = "utf-8"
            text = self._decode_block(block)
            yield self._numbered(text, block.count(b"\n") or block.count(b"\r"))

    def _numbered(self, text, lines: int) -> tuple[int, str]:
        start = self._next_line
        self._next_line += lines
        return start, text

    def _cut(self, read, newline, cr, limit: int):
        """Blocks of whole lines (ended by ``newline``, or by a lone ``cr`` in old Mac
        files) out of ``read(size)``; a line longer than ``limit`` refuses the file."""
        rest = newline[:0]
        while True:
            data = read(self.BLOCK)
            buffer = rest + data if rest else data
            if not data:
                if buffer:
                    self._check_first_line(buffer, newline, cr, limit)
                    yield buffer
                return
            cut = buffer.rfind(newline) + 1 or buffer.rfind(cr, 0, len(buffer) - 1) + 1
            if not cut:
                if len(buffer) > limit:
                    self._too_long(self._next_line)
                rest = buffer
                continue
            block, rest = buffer[:cut], buffer[cut:]
            self._check_first_line(block, newline, cr, limit)
            yield block

    def _check_first_line(self, block, newline, cr, limit: int) -> None:
        # Only a block's first line can have grown beyond a read: the others are shorter
        # than BLOCK.
        end = block.find(newline, 0, limit + 1)
        if end < 0 and len(block) > limit and block.find(cr, 0, limit + 1) < 0:
            self._too_long(self._next_line)

    def _decode_block(self, block: bytes) -> str:
        if self.encoding != "cp1252":
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                if self.encoding is None and not block.isascii():
                    self.encoding = "utf-8"
                return text
        else:
            try:
                return block.decode("cp1252")
            except UnicodeDecodeError:
                pass
        # Line by line: to decide the encoding, repair a line, or name the faulty line.
        parts = []
        for number, raw in enumerate(block.splitlines(keepends=True), start=self._next_line):
            parts.append(raw.decode("ascii") if raw.isascii() else self._decode(raw, number))
        return "".join(parts)

    def _decode(self, raw: bytes, number: int) -> str:
        if self.encoding == "cp1252":
            try:
                return raw.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise InvalidImportFile(
                    f"{self.name} : encodage non reconnu (ni UTF-8 ni Windows-1252, octet "
                    f"illisible ligne {number}, position {exc.start + 1}) ; enregistrez le "
                    "fichier en « CSV UTF-8 »."
                ) from exc
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if self.encoding is None:
                self.encoding = "cp1252"
                return self._decode(raw, number)
            self.repaired.append(number)
            return raw.decode("utf-8", "relais-cp1252")
        self.encoding = "utf-8"
        return text

    def _too_long(self, line: int) -> None:
        raise InvalidImportFile(
            f"{self.name} : la ligne {line} du fichier dépasse "
            f"{megabytes(self.limits.max_line_bytes)} sans fin de ligne (limites "
            "RELAIS_IMPORT_MAX_COLUMNS × RELAIS_IMPORT_MAX_CELL) : fichier refusé."
        )

    def warnings(self) -> list[str]:
        """What the decoding did, for the import's summary."""
        out = []
        if self.encoding == "cp1252":
            out.append(f"{self.name} : fichier lu en Windows-1252 (il n'est pas en UTF-8).")
        if self.repaired:
            shown = ", ".join(str(n) for n in self.repaired[:_SHOWN_LINES])
            more = "…" if len(self.repaired) > _SHOWN_LINES else ""
            out.append(
                f"{self.name} : fichier UTF-8 dont {len(self.repaired)} ligne(s) contiennent "
                f"des octets non UTF-8, lus en Windows-1252 (lignes {shown}{more} du fichier) : "
                "vérifiez les caractères accentués de ces lignes."
            )
        return out


def decode(data: bytes, path: Path, limits: Limits | None = None) -> tuple[str, list[str]]:
    """Text and warnings of a whole file's bytes, decoded as ``TextLines`` does."""
    lines = TextLines(io.BytesIO(data), path.name, limits or Limits())
    text = "".join(lines)
    return text, lines.warnings()
