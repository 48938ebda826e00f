"""Reading a saved page given on the command line: every failure is one UserError line."""

from __future__ import annotations

from pathlib import Path

from dodnews.errors import UserError


def read_page(path: str) -> bytes:
    """The bytes of a saved HTML page (or feed), refusing missing, empty and binary files."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a page") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise UserError(f"{path}: the file is empty")
    if b"\x00" in data[:8192]:
        raise UserError(f"{path}: a binary file, not an HTML page")
    return data
