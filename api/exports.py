"""What staff download: records as JSON lines or as CSV a spreadsheet opens safely.

Feedback (`okienko feedback export`) and callback requests (`GET /v1/handoffs/export`) are
written the same way.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, TextIO

ExportFormat = Literal["jsonl", "csv"]


def _cell(value: object) -> object:
    # A comment starting with "=" would run as a formula when staff open the file in a
    # spreadsheet (CSV injection); a leading apostrophe keeps it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_records(
    records: Iterable[Mapping[str, object]],
    fields: Sequence[str],
    out: TextIO,
    *,
    fmt: ExportFormat,
) -> int:
    """Write records as JSON lines or CSV (with a header row of `fields`); how many were written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        for record in records:
            writer.writerow({k: _cell(v) for k, v in record.items()})
            count += 1
        return count
    for record in records:
        out.write(json.dumps(dict(record), ensure_ascii=False) + "\n")
        count += 1
    return count
