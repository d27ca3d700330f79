"""The command line as users run it: French help, French usage errors, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def iapublique(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m iapublique`` in a fresh data directory."""
    env = {"IAPUBLIQUE_DATA_DIR": str(cwd / "donnees"), "PATH": "/usr/bin:/bin", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "iapublique", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_help_is_french(tmp_path: Path) -> None:
    done = iapublique("run", "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "Affiche cette aide et quitte." in done.stdout and "[obligatoire]" in done.stdout
    assert "Show this message" not in done.stdout


def test_usage_errors_are_french_with_exit_code_2(tmp_path: Path) -> None:
    missing = iapublique("run", "toy", "--input", "x.csv", cwd=tmp_path)
    assert missing.returncode == 2
    assert "paramètre obligatoire manquant : --output/-o." in missing.stderr
    unknown = iapublique("services", "--nimporte", cwd=tmp_path)
    assert unknown.returncode == 2 and "option inconnue : --nimporte." in unknown.stderr


def test_user_mistakes_are_french_with_exit_code_1(tmp_path: Path) -> None:
    absent = iapublique("evaluate", "service_absent", "--json", cwd=tmp_path)
    assert absent.returncode == 1
    assert "Service inconnu : « service_absent »" in absent.stderr and "Traceback" not in absent.stderr
    engine = iapublique("run", "customs_fraud", "-i", "a.csv", "-o", "b.csv", "-e", "hadoop", cwd=tmp_path)
    assert engine.returncode == 1 and "moteur « hadoop » inconnu" in engine.stderr
