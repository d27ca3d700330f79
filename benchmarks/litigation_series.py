"""Benchmark of the litigation_series service: ours vs BM25 More-Like-This (the 2020 prototype), speed, latency.

Usage: ``python benchmarks/litigation_series.py [--test 10000] [--train 6000] [--index 100000] [--json]``.
The defaults are the issue's measure: 10,000 requêtes clustered, registration against 100,000 indexed
requêtes (``--index 0`` skips the latency part, which indexes a generated corpus of that size first).
"""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from iapublique.cli import print_bench
from iapublique.services.litigation_series.bench import run_benchmark


def main() -> None:
    """Run the benchmark once and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description="Banc d'essai du service litigation_series")
    parser.add_argument("--test", type=int, default=10_000, help="requêtes du corpus de test (défaut 10 000)")
    parser.add_argument("--train", type=int, default=6_000, help="requêtes du corpus de calibrage (défaut 6 000)")
    parser.add_argument("--index", type=int, default=100_000, help="requêtes indexées pour la latence (0 : aucune)")
    parser.add_argument("--seed", type=int, default=3, help="graine du corpus de test (calibrage : 1000 + graine)")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    args = parser.parse_args()
    console = Console(stderr=True)
    report = run_benchmark(args.test, args.train, args.index, args.seed,
                           progress=lambda done, total, msg: console.log(f"{msg} ({done}/{total})"))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    print_bench(report)


if __name__ == "__main__":
    main()
