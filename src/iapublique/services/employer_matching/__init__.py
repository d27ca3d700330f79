"""Service ``employer_matching`` (INSEE): proposing the employer establishment (SIRET) of a census bulletin."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from iapublique.core.service import BenchReport, ProgressFn, RowError, Service, ServiceInfo, no_progress
from iapublique.services.employer_matching import register as reg
from iapublique.services.employer_matching.evaluation import figures
from iapublique.services.employer_matching.model import EmployerMatcher
from iapublique.services.employer_matching.schema import Record, Result
from iapublique.services.employer_matching.synthetic import BULLETIN_TRUTH, generate_bulletins, generate_register

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["EmployerMatchingService"]

DEMO_REGISTER = 100_000
"""Establishments of the demo register (the evaluation uses a million)."""
EVAL_REGISTER = 1_000_000
EVAL_TRAIN = 20_000
EVAL_TEST = 20_000
REGISTER_ENV = "IAPUBLIQUE_EMPLOYER_MATCHING_REGISTER"
"""Environment variable naming a SIRENE extract to use as register instead of the demo one."""


@lru_cache(maxsize=1)
def demo_register(n: int = DEMO_REGISTER, seed: int = 0) -> pd.DataFrame:
    """The synthetic register the demo bulletins come from (generated once per process)."""
    return generate_register(n, seed)


def _data_dir() -> Path:
    from iapublique.settings import get_settings

    return get_settings().data_dir.resolve()


class EmployerMatchingService(Service):
    """Proposes, for each census bulletin, the ten likeliest establishments of the register and codes the sure ones."""

    info: ClassVar[ServiceInfo] = ServiceInfo(
        id="employer_matching",
        title="Codage de l'établissement employeur des bulletins du recensement",
        administration="INSEE",
        administration_name="Institut national de la statistique et des études économiques",
        summary=(
            "Pour chaque bulletin du recensement, propose les dix établissements du répertoire SIRENE les plus "
            "probables pour le lieu de travail déclaré (nom, activité, adresse), avec les champs concordants, une "
            "probabilité calibrée que le premier soit le bon et la décision de codage automatique à la précision "
            "visée ; signale les bulletins non codables (domicile, particulier employeur, étranger, lieu "
            "variable) et suggère cinq codes NAF. Les choix des agents enrichissent la mémoire des bulletins "
            "déjà codés."
        ),
        version="1.0",
    )
    Record = Record
    Result = Result
    truth_columns: ClassVar[tuple[str, ...]] = BULLETIN_TRUTH
    key_field: ClassVar[str] = "bulletin_id"
    demo_size: ClassVar[int] = 2_000
    evaluate_options: ClassVar[dict[str, str]] = {
        "registre": "fichier SIRENE (StockEtablissement joint aux noms de StockUniteLegale) servant de répertoire",
        "bulletins": "fichier de bulletins étiquetés (colonne siret, vide si non codable) : moitié entraînement, "
                     "moitié test",
        "etablissements": f"taille du répertoire généré (défaut {EVAL_REGISTER:_})".replace("_", " "),
        "test": f"bulletins de test générés (défaut {EVAL_TEST:_})".replace("_", " "),
        "graine": "graine du générateur (défaut 0)",
    }

    # ---- register --------------------------------------------------------------------------------

    def register_spec(self) -> dict[str, Any]:
        """The register to match against: a SIRENE file named by the environment, else the demo register."""
        path = os.environ.get(REGISTER_ENV, "").strip()
        if path:
            return reg.file_spec(path)
        return reg.synthetic_spec(DEMO_REGISTER, 0)

    def new_model(self, spec: dict[str, Any] | None = None, frame: pd.DataFrame | None = None) -> EmployerMatcher:
        """An untrained model bound to a register (indexed under the data directory on first use)."""
        spec = spec or self.register_spec()
        if frame is None and spec == reg.synthetic_spec(DEMO_REGISTER, 0):
            digest = reg.spec_hash(spec)
            if not (reg.registers_root(_data_dir()) / digest[:16] / "ready.json").exists():
                frame = demo_register()
        return EmployerMatcher().attach(spec, _data_dir(), frame)

    # ---- contract ----------------------------------------------------------------------------------

    def demo_data(self, size: int, seed: int = 0) -> pd.DataFrame:
        """Census bulletins drawn from the demo register with INSEE's measured noise, and their truth."""
        data = generate_bulletins(demo_register(), size, seed)
        return data[[*Record.model_fields, *BULLETIN_TRUTH]]

    def fit(self, data: pd.DataFrame, progress: ProgressFn = no_progress) -> EmployerMatcher:
        """Index the register (once) and learn from labelled bulletins."""
        progress(0, 7, "indexation du répertoire")
        model = self.new_model()
        return model.fit(data, lambda d, t, m: progress(d + 1, t + 1, m))

    def run(self, model: Any, records: pd.DataFrame, progress: ProgressFn = no_progress) -> pd.DataFrame:
        """Top-10 establishments, probability, decisions and NAF suggestions of each bulletin, in input order."""
        from iapublique.services.employer_matching.results import to_frame

        progress(0, len(records), "recherche des établissements")
        scored = model.score(records)
        out = to_frame(model, records, scored)
        progress(len(records), len(records), "bulletins traités")
        return out

    def evaluate(self, model: Any, data: pd.DataFrame) -> dict[str, float]:
        """recall@100, top-1/5/10, auto-coding rate and precision, non-codable precision/recall, NAF top-1/5."""
        return figures(model, data)

    def validate(self, records: pd.DataFrame) -> list[RowError]:
        """A residence commune code must have 5 characters (INSEE code, e.g. 69123 or 2A004)."""
        errors: list[RowError] = []
        if "residence_code" in records.columns:
            for i, v in enumerate(records["residence_code"].tolist()):
                if isinstance(v, str) and v.strip() and len(v.strip().zfill(5)) != 5:
                    errors.append(RowError(i, "depcom", "code commune de résidence invalide : 5 caractères "
                                                        "attendus (code INSEE, ex. 69123)."))
                if len(errors) >= 100:
                    break
        return errors

    def split(self, data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Train/test split by bulletin id hash (stable whatever the row order)."""
        ids = data["bulletin_id"].astype(str)
        h = pd.util.hash_pandas_object(ids, index=False).to_numpy()
        test = (h % 5) == 0
        return data[~test].reset_index(drop=True), data[test].reset_index(drop=True)

    def evaluate_with(self, options: dict[str, str], progress: ProgressFn = no_progress) -> dict[str, float]:
        """Evaluate on a real register and labelled bulletins, or on a generated million-establishment register."""
        unknown = sorted(set(options) - set(self.evaluate_options))
        if unknown:
            raise ValueError(f"option(s) inconnue(s) pour {self.info.id} : {', '.join(unknown)} ; options : "
                             + ", ".join(f"--{k}" for k in self.evaluate_options) + ".")
        if "registre" in options:
            if "bulletins" not in options:
                raise ValueError("--registre demande aussi --bulletins (bulletins étiquetés par leur siret).")
            progress(0, 3, "lecture et indexation du répertoire")
            model = EmployerMatcher().attach(reg.file_spec(options["registre"]), _data_dir())
            data = self.read_labelled(Path(options["bulletins"]))
            train, test = self.split(data)
            progress(1, 3, "entraînement")
            model.fit(train)
            progress(2, 3, "évaluation")
            return figures(model, test)
        seed = int(options.get("graine", "0"))
        n = int(options.get("etablissements", str(EVAL_REGISTER)))
        n_test = int(options.get("test", str(EVAL_TEST)))
        return evaluate_generated(n, EVAL_TRAIN, n_test, seed, progress)

    def evaluate_files(self, train: Any, test: pd.DataFrame | None, progress: ProgressFn = no_progress
                       ) -> dict[str, float]:
        """Files given: the platform's default; none given: the million-establishment evaluation."""
        if not train:
            return evaluate_generated(EVAL_REGISTER, EVAL_TRAIN, EVAL_TEST, 0, progress)
        return super().evaluate_files(train, test, progress)

    def feedback_rows(self, feedback: pd.DataFrame) -> pd.DataFrame:
        """Agents' picks (a SIRET, or « non codable » with its reason) become labelled bulletins for the memory."""
        from iapublique.services.employer_matching.web import feedback_training_rows

        return feedback_training_rows(feedback)

    def benchmark(self, progress: ProgressFn = no_progress) -> BenchReport:
        """Ours vs BM25 over names vs Splink, quality and speed, on the same generated data."""
        from iapublique.services.employer_matching.bench import run_benchmark

        return run_benchmark(self, progress)

    def web_router(self) -> APIRouter:
        """The coding page: a bulletin, its ten candidates, the manual register search and the agent's pick."""
        from iapublique.services.employer_matching.web import build_router

        return build_router(self)

    def trusted_types(self) -> list[str]:
        """Types inside the fitted model besides numpy, scipy, scikit-learn and LightGBM."""
        return [
            "iapublique.services.employer_matching.model.EmployerMatcher",
            "iapublique.services.employer_matching.model.NafSuggester",
            "iapublique.services.employer_matching.model.NoncodableDetector",
        ]


def evaluate_generated(n_register: int, n_train: int, n_test: int, seed: int,
                       progress: ProgressFn = no_progress) -> dict[str, float]:
    """Generate a register and disjoint train/test bulletins (test seeds never used for training), fit, measure."""
    progress(0, 4, f"génération du répertoire ({n_register} établissements)")
    frame = generate_register(n_register, seed)
    train = generate_bulletins(frame, n_train, seed + 1_000, id_prefix="E")
    test = generate_bulletins(frame, n_test, seed + 2_000, id_prefix="T")
    progress(1, 4, "indexation du répertoire")
    model = EmployerMatcher().attach(reg.synthetic_spec(n_register, seed), _data_dir(), frame)
    del frame
    progress(2, 4, "entraînement")
    model.fit(train)
    progress(3, 4, "évaluation")
    out = figures(model, test)
    out["train_bulletins"] = float(n_train)
    progress(4, 4, "terminé")
    return out

