"""CSV and XLSX of exactly what the screen shows: the same suppressed cells, the same pseudonymous codes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import tablib

from .indicators import Table
from .suppression import Shown

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


def _cell(value: Any) -> Any:
    if isinstance(value, Shown):
        value = value.export()
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = str(value)
    # Free text must not become a spreadsheet formula when opened (CSV/formula injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def dataset(table: Table) -> tablib.Dataset:
    """One table as a tablib Dataset (title = sheet name, at most 31 characters in XLSX)."""
    data = tablib.Dataset(headers=[str(c) for c in table.columns], title=str(table.title)[:31])
    for row in table.rows:
        data.append([_cell(v) for v in row])
    return data


def rows_dataset(headers: Sequence[Any], rows: Iterable[Sequence[Any]], title: str) -> tablib.Dataset:
    data = tablib.Dataset(headers=[str(h) for h in headers], title=title[:31])
    for row in rows:
        data.append([_cell(v) for v in row])
    return data


def render(datasets: Sequence[tablib.Dataset], fmt: str) -> bytes:
    """XLSX: one sheet per table. CSV: the tables one after another, each under its title (UTF-8 with BOM)."""
    if fmt == "xlsx":
        if len(datasets) == 1:
            return datasets[0].export("xlsx")
        return tablib.Databook(list(datasets)).export("xlsx")
    out = io.StringIO()
    out.write("\ufeff")  # Excel then reads Cyrillic and Kazakh letters correctly
    for i, data in enumerate(datasets):
        if len(datasets) > 1:
            if i:
                out.write("\r\n")
            csv.writer(out).writerow([data.title])
        out.write(data.export("csv"))
    return out.getvalue().encode("utf-8")
