"""Benchmark of the unfair_clauses service: ours vs TF-IDF + LinearSVC, French test set, CLAUDETTE, speed.

Usage: ``python benchmarks/unfair_clauses.py [--json]``. CLAUDETTE (en) is used when
``../shared/datasets/claudette`` is present and skipped with a message otherwise.
"""

from __future__ import annotations

import argparse
import json

from babel.numbers import format_decimal
from rich.console import Console
from rich.table import Table

from iapublique.services.unfair_clauses import UnfairClausesService


def main() -> None:
    """Run the benchmark once and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description="Banc d'essai du service unfair_clauses")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    args = parser.parse_args()
    console = Console(stderr=True)
    report = UnfairClausesService().benchmark(lambda done, total, msg: console.log(f"{msg} ({done}/{total})"))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    keys: list[str] = []
    for row in report.rows:
        keys += [k for k in row.figures if k not in keys]
    table = Table(title=f"unfair_clauses – {report.dataset}")
    table.add_column("mesure")
    for row in report.rows:
        table.add_column(row.system, justify="right")
    for k in keys:
        cells = [row.figures.get(k) for row in report.rows]
        table.add_row(k, *("" if v is None else format_decimal(v, format="0.000", locale="fr_FR") for v in cells))
    Console().print(table)
    for row in report.rows:
        Console().print(f"• {row.system} : {row.note}")
    for note in report.notes:
        Console().print(f"• {note}")


if __name__ == "__main__":
    main()
