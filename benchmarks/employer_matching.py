"""Benchmark of the employer_matching service: ours vs BM25 over names vs Splink vs the published anchor, one run.

Usage: ``python benchmarks/employer_matching.py [--json] [--etablissements N] [--test N] [--sans-splink]``.
Generates the register (1,000,000 establishments by default) and the bulletins with fixed seeds; the
register's index is stored under the data directory (``IAPUBLIQUE_DATA_DIR``) and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import math

from babel.numbers import format_decimal
from rich.console import Console
from rich.table import Table

from iapublique.services.employer_matching import EmployerMatchingService
from iapublique.services.employer_matching.bench import run_benchmark

COLUMNS = ("recall_at_100", "top1", "top5", "top10", "autocode_rate", "autocode_precision", "naf_top5",
           "bulletins_per_s_1_process", "bulletins_per_s_2_processes", "api_p95_ms", "peak_memory_mib")


def _cell(value: float | None) -> str:
    """French text of one figure."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return str(format_decimal(round(value, 3), locale="fr_FR"))


def main() -> None:
    """Run the benchmark and print it as a table (or JSON)."""
    parser = argparse.ArgumentParser(description="Banc d'essai du service employer_matching.")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.add_argument("--etablissements", type=int, default=1_000_000, help="taille du répertoire généré")
    parser.add_argument("--entrainement", type=int, default=20_000, help="bulletins d'entraînement")
    parser.add_argument("--test", type=int, default=5_000, help="bulletins de test (communs aux trois systèmes)")
    parser.add_argument("--sans-splink", action="store_true", help="sans la ligne Splink")
    args = parser.parse_args()
    report = run_benchmark(EmployerMatchingService(), n_register=args.etablissements, n_train=args.entrainement,
                           n_test=args.test, with_splink=not args.sans_splink)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"employer_matching — {report.dataset}")
    table.add_column("Système")
    for c in COLUMNS:
        table.add_column(c, justify="right")
    for row in report.rows:
        table.add_row(row.system, *(_cell(row.figures.get(c)) for c in COLUMNS))
    console = Console()
    console.print(table)
    for note in report.notes:
        console.print(note)


if __name__ == "__main__":
    main()
