"""Benchmark of the unfair_clauses service: ours vs TF-IDF + LinearSVC, French test set, CLAUDETTE, speed.

Usage: ``python benchmarks/unfair_clauses.py [--json]``. CLAUDETTE (en) is used when
``../shared/datasets/claudette`` is present and skipped with a message otherwise.
"""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from iapublique.cli import print_bench
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
    print_bench(report)


if __name__ == "__main__":
    main()
