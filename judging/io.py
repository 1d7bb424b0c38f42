"""Reading the engine's CSV inputs with errors that name the file, row and problem."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class InputError(Exception):
    """A problem with an input file, reported on one line and with exit status 2."""

    def __init__(self, path: str | Path, row: int | None, problem: str):
        self.path = str(path)
        self.row = row
        self.problem = problem
        where = f"{self.path}: row {row}" if row is not None else self.path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Row:
    """One data row of a CSV file; ``number`` counts the header as row 1."""

    number: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]


def read_rows(path: str | Path, required: Iterable[str]) -> list[Row]:
    """Read a UTF-8 CSV file (a BOM is accepted) and check its header.

    Cells are stripped of surrounding white space.  A missing file, a missing
    column or a row with the wrong number of cells raises :class:`InputError`.
    """
    required = list(required)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(path, None, f"cannot open file ({exc.strerror})") from exc
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(path, None, "file is empty (no header row)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(path, 1, f"unreadable CSV ({exc})") from exc
        header = [name.strip() for name in header]
        missing = [name for name in required if name not in header]
        if missing:
            raise InputError(path, 1, f"missing column(s): {', '.join(missing)}")
        rows: list[Row] = []
        number = 1
        try:
            for cells in reader:
                number += 1
                if not cells or all(not cell.strip() for cell in cells):
                    continue
                if len(cells) != len(header):
                    raise InputError(
                        path, number, f"expected {len(header)} cells, found {len(cells)}"
                    )
                rows.append(Row(number, {h: c.strip() for h, c in zip(header, cells)}))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(path, number + 1, f"unreadable CSV ({exc})") from exc
    return rows


def parse_float(path: str | Path, row: Row, column: str, *, allow_empty: bool = False) -> float | None:
    """Parse a finite number from ``row[column]`` or raise :class:`InputError`."""
    text = row[column]
    if text == "":
        if allow_empty:
            return None
        raise InputError(path, row.number, f"column '{column}' is empty")
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, row.number, f"column '{column}' is not a number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(path, row.number, f"column '{column}' is not a finite number: {text!r}")
    return value
