"""Benchmark of the customs_fraud service: ours vs plain LightGBM vs the published anchor, one run.

Usage: ``python benchmarks/customs_fraud.py [--json] [--sans-simulation]``. Uses
``../shared/datasets/customs-korea`` when present, else the demo generator (the report says which).
"""

from __future__ import annotations

import argparse
import json
import math

from rich.console import Console
from rich.table import Table

from iapublique.services.customs_fraud import CustomsFraudService
from iapublique.services.customs_fraud.bench import run_benchmark
from iapublique.services.customs_fraud.model import fr_number

COLUMNS = ("precision_at_1", "precision_at_5", "precision_at_10", "recall_at_5", "recall_at_10", "auc",
           "revenue_at_10", "critical_macro_f1", "rows_per_s_score", "rows_per_s_run", "rows_per_cpu_s_run",
           "rows_per_s_run_local_2w", "p95_ms_one_row", "api_p95_ms_one_row")
SIMULATION = ("frauds_found", "share_of_frauds_found", "selection_precision", "duty_recovered",
              "frauds_found_by_exploration", "weeks")


def _cell(value: float | None, big: bool = False) -> str:
    """French text of one figure."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return fr_number(value, 0 if big else 3)


def main() -> None:
    """Run the benchmark and print it as tables (or JSON)."""
    parser = argparse.ArgumentParser(description="Banc d'essai du service customs_fraud.")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.add_argument("--sans-simulation", action="store_true", help="sans la simulation hebdomadaire")
    args = parser.parse_args()
    report = run_benchmark(CustomsFraudService(), with_simulation=not args.sans_simulation)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console = Console()
    table = Table(title=f"customs_fraud — {report.dataset}")
    table.add_column("Système")
    for c in COLUMNS:
        table.add_column(c, justify="right")
    sims = []
    for row in report.rows:
        if row.system.startswith("Simulation"):
            sims.append(row)
            continue
        table.add_row(row.system, *(_cell(row.figures.get(c), c.startswith(("rows", "p95", "api"))) for c in COLUMNS))
    console.print(table)
    if sims:
        sim = Table(title="Simulation semaine par semaine (étiquettes révélées par les seuls contrôles)")
        sim.add_column("Stratégie")
        for c in SIMULATION:
            sim.add_column(c, justify="right")
        for row in sims:
            sim.add_row(row.system, *(_cell(row.figures.get(c), c in ("duty_recovered", "weeks")) for c in SIMULATION))
        console.print(sim)
    for note in report.notes:
        console.print(f"• {note}")


if __name__ == "__main__":
    main()
