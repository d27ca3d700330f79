"""Benchmark of radiation_exposure: ours vs a fixed-threshold rule and an IsolationForest, then speed at scale.

Usage: python benchmarks/radiation_exposure.py [--workers 20000] [--scale-workers 400000] [--json]
"""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from iapublique.services.radiation_exposure.baselines import compare


def main() -> None:
    """Run the comparison and print a rich table (or JSON)."""
    parser = argparse.ArgumentParser(description="Banc d'essai du service radiation_exposure")
    parser.add_argument("--workers", type=int, default=20_000, help="travailleurs de la population de test")
    parser.add_argument("--months", type=int, default=24, help="mois de la population de test")
    parser.add_argument("--scale-workers", type=int, default=400_000,
                        help="travailleurs × 12 mois pour la mesure de vitesse (0 : pas de mesure)")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    args = parser.parse_args()
    report = compare(n_workers=args.workers, months=args.months, scale_workers=args.scale_workers)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console = Console()
    keys = sorted({k for row in report.rows for k in row.figures}, key=lambda k: list(
        dict.fromkeys(k2 for r in report.rows for k2 in r.figures)).index(k))
    table = Table(title=f"radiation_exposure — {report.dataset}")
    table.add_column("Système")
    for k in keys:
        table.add_column(k, justify="right")
    table.add_column("Note")
    for row in report.rows:
        cells = ["" if row.figures.get(k) is None else f"{row.figures[k]:g}" for k in keys]
        table.add_row(row.system, *cells, row.note)
    console.print(table)
    for note in report.notes:
        console.print(note)


if __name__ == "__main__":
    main()
