"""Service radiation_exposure: regulatory rules on crafted cases, detectors, quality floors, persistence."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from iapublique.core.explain import Explanation
from iapublique.core.tables import read_table
from iapublique.services.radiation_exposure import RadiationExposureService
from iapublique.services.radiation_exposure.detectors import ramp_shape
from iapublique.services.radiation_exposure.model import DoseMonitor, analyse, fit_monitor
from iapublique.services.radiation_exposure.schema import Record
from iapublique.services.radiation_exposure.synthetic import generate, reference_breaches

SERVICE = RadiationExposureService()


def history(doses: Sequence[float | None], *, worker: str = "T1", channel: str = "passive_corps_entier",
            yob: int = 1980, category: str = "A", start: str = "2023-01-01", months: int = 1,
            job: str = "maintenance", sector: str = "nucleaire", employer: str = "12345678900011",
            below: list[bool] | None = None, delay_days: int = 15) -> pd.DataFrame:
    """A crafted series of consecutive wear periods of one worker."""
    starts = pd.date_range(start, periods=len(doses), freq=f"{months}MS")
    ends = starts + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    n = len(doses)
    return pd.DataFrame({
        "record_id": [f"{worker}-{channel}-{i}" for i in range(n)],
        "worker_id": worker, "year_of_birth": yob, "sex": "M", "employer_siret": employer,
        "sector": sector, "job": job, "category": category,
        "follow_up_start": starts[0], "follow_up_end": pd.NaT,
        "period_start": starts, "period_end": ends, "dosimetry_type": channel,
        "dose_msv": [np.nan if d is None else d for d in doses],
        "below_threshold": below if below is not None else [False] * n,
        "laboratory": "LAB", "received_date": ends + pd.Timedelta(days=delay_days),
    })


@pytest.fixture(scope="module")
def model() -> DoseMonitor:
    """A monitor fitted on a small labelled population."""
    return fit_monitor(generate(800, 24, seed=11))


def kinds_of(out: pd.DataFrame) -> list[set[str]]:
    return [set(filter(None, k.split(","))) for k in out["alert_kinds"]]


def test_exactly_20_msv_is_not_a_breach_but_above_is(model: DoseMonitor) -> None:
    ok = history([20 / 12] * 12)
    ok["dose_msv"] = [1.67] * 11 + [20 - 1.67 * 11]
    out = SERVICE.run(model, ok)
    assert not any("depassement_20msv_12mois" in k for k in kinds_of(out))
    assert out["rolling_12m_msv"].iloc[-1] == pytest.approx(20.0)
    over = ok.copy()
    over.loc[11, "dose_msv"] += 0.01
    out = SERVICE.run(model, over)
    assert "depassement_20msv_12mois" in kinds_of(out)[11]
    assert out["severity"].iloc[11] == "reglementaire"


def test_rolling_window_is_12_months_not_13(model: DoseMonitor) -> None:
    doses = [0.0] * 14
    doses[0], doses[12] = 15.0, 15.0  # 13 months apart: never in the same 12-month window
    out = SERVICE.run(model, history(doses))
    assert not any("depassement_20msv_12mois" in k for k in kinds_of(out))
    doses[0], doses[11] = 15.0, 15.0
    doses[12] = 0.0
    out = SERVICE.run(model, history(doses))
    assert "depassement_20msv_12mois" in kinds_of(out)[11]


def test_minor_category_b_lens_and_extremities_limits(model: DoseMonitor) -> None:
    minor = history([0.7] * 12, yob=2006, category="B")  # 17 in 2023, 7 x 0.7 = 4.9 .. 8.4 mSv
    out = SERVICE.run(model, minor)
    assert "mineur_6msv" in kinds_of(out)[11] and "categorie_b_6msv" in kinds_of(out)[11]
    assert "mineur_6msv" not in kinds_of(out)[7]  # 8 x 0.7 = 5.6 mSv
    adult_a = SERVICE.run(model, history([0.7] * 12, yob=1980, category="A"))
    assert not any(k & {"mineur_6msv", "categorie_b_6msv"} for k in kinds_of(adult_a))
    lens = SERVICE.run(model, history([5.1] * 4, channel="cristallin", months=3))
    assert "cristallin_20" in kinds_of(lens)[3] and "cristallin_20" not in kinds_of(lens)[2]
    ext = SERVICE.run(model, history([130.0] * 4, channel="extremites", months=3))
    assert "extremites_500" in kinds_of(ext)[3] and "extremites_500" not in kinds_of(ext)[2]


def test_censored_doses_count_as_zero_not_threshold(model: DoseMonitor) -> None:
    data = history([0.0] * 12, below=[True] * 12)
    out = SERVICE.run(model, data)
    assert (out["rolling_12m_msv"] == 0).all()
    assert not out["alert"].any()


def test_late_and_missing_dosimeters(model: DoseMonitor) -> None:
    late = history([0.1] * 6, delay_days=75)
    assert all("retard_dosimetre" in k for k in kinds_of(SERVICE.run(model, late)))
    on_time = history([0.1] * 6, delay_days=60)
    assert not any("retard_dosimetre" in k for k in kinds_of(SERVICE.run(model, on_time)))
    lost = history([0.1, 0.1, None, 0.1])
    assert "dosimetre_manquant" in kinds_of(SERVICE.run(model, lost))[2]
    gap = history([0.1] * 6).drop(index=3).reset_index(drop=True)
    out = SERVICE.run(model, gap)
    assert "dosimetre_manquant" in kinds_of(out)[3]
    assert not any("dosimetre_manquant" in k for k in kinds_of(out)[:3])


def test_spike_unit_error_duplicate_dates_mismatch(model: DoseMonitor) -> None:
    rng = np.random.default_rng(0)
    base = list(np.round(0.2 * np.exp(rng.normal(0, 0.3, 18)), 2))
    spike = base.copy()
    spike[10] = 12.0
    out = SERVICE.run(model, history(spike))
    assert "pic_individuel" in kinds_of(out)[10]
    unit = base.copy()
    unit[10] = round(base[10] * 1000, 2)
    assert "erreur_unite" in kinds_of(SERVICE.run(model, history(unit)))[10]
    dup = history(base)
    dup = pd.concat([dup, dup.iloc[[5]].assign(record_id="copie", received_date=dup["received_date"].iloc[5]
                                                + pd.Timedelta(days=9))], ignore_index=True)
    out = SERVICE.run(model, dup)
    assert "doublon" in kinds_of(out)[len(dup) - 1] and "doublon" not in kinds_of(out)[5]
    assert out["rolling_12m_msv"].iloc[11] == pytest.approx(sum(base[:12]), abs=1e-6)
    dates = history(base)
    first_day, last_day = dates.at[4, "period_start"], dates.at[4, "period_end"]
    dates.at[4, "period_start"], dates.at[4, "period_end"] = last_day, first_day
    assert "date_incoherente" in kinds_of(SERVICE.run(model, dates))[4]
    passive = history(base)
    operational = history(base, channel="operationnelle")
    passive.loc[8, "dose_msv"] = round(base[8] * 4 + 0.5, 2)
    out = SERVICE.run(model, pd.concat([passive, operational], ignore_index=True))
    assert "ecart_passif_operationnel" in kinds_of(out)[8]
    implausible = history(base)
    implausible.loc[3, "dose_msv"] = -1.0
    assert "valeur_implausible" in kinds_of(SERVICE.run(model, implausible))[3]


def test_outage_month_of_an_employer_is_not_a_spike(model: DoseMonitor) -> None:
    rng = np.random.default_rng(1)
    frames = []
    for w in range(8):
        doses = list(np.round(0.1 * np.exp(rng.normal(0, 0.2, 18)), 2))
        doses[9] = round(doses[9] * 8, 2)  # the whole site's outage
        frames.append(history(doses, worker=f"T{w}"))
    out = SERVICE.run(model, pd.concat(frames, ignore_index=True))
    assert not out["alert_kinds"].str.contains("pic_individuel").any()


def test_drift_of_a_dosimeter_against_operational(model: DoseMonitor) -> None:
    rng = np.random.default_rng(2)
    true = 1.0 * np.exp(rng.normal(0, 0.3, 24))
    passive = true * np.exp(rng.normal(0, 0.05, 24)) * np.where(np.arange(24) >= 12, 1.5, 1.0)
    data = pd.concat([history(list(np.round(passive, 2))), history(list(np.round(true, 3)), channel="operationnelle")],
                     ignore_index=True)
    out = SERVICE.run(model, data)
    flagged = np.flatnonzero(out["alert_kinds"].str.contains("derive").to_numpy()[:24])
    assert len(flagged) and 12 <= flagged[0] <= 15


def test_drift_reason_says_which_dosimetry_rose(model: DoseMonitor) -> None:
    rng = np.random.default_rng(2)
    true = 1.0 * np.exp(rng.normal(0, 0.3, 24))
    rise = np.where(np.arange(24) >= 12, 1.5, 1.0)
    noise = np.exp(rng.normal(0, 0.05, 24))
    dosimeter = pd.concat([history(list(np.round(true * noise * rise, 2))),
                           history(list(np.round(true, 3)), channel="operationnelle")], ignore_index=True)
    exposure = pd.concat([history(list(np.round(true * noise * rise, 2))),
                          history(list(np.round(true * rise, 3)), channel="operationnelle")], ignore_index=True)
    reasons = {}
    for name, data in (("dosimetre", dosimeter), ("exposition", exposure)):
        out = SERVICE.run(model, data)
        rows = out["alert_kinds"].str.contains("derive").to_numpy()[:24]
        reasons[name] = " ".join(out["reason"].to_numpy()[:24][rows])
    assert "vérifier d'abord le dosimètre passif" in reasons["dosimetre"]
    assert "vérifier d'abord le dosimètre passif" not in reasons["exposition"]


def test_ramp_shape_is_the_issue_drift() -> None:
    monthly = ramp_shape(1, 4)
    np.testing.assert_allclose(monthly, np.log([7 / 6, 4 / 3, 1.5, 1.5]))
    quarterly = ramp_shape(3, 3)
    assert 0 < quarterly[0] < quarterly[1] <= quarterly[2] == pytest.approx(np.log(1.5))
    assert ramp_shape(1, 3, factor=2.0)[2] == pytest.approx(np.log(2.0))


def test_likelihood_ratio_test_skips_low_doses_and_weighs_steadiness(model: DoseMonitor) -> None:
    rise = np.where(np.arange(12) >= 8, 1.5, 1.0)
    rng = np.random.default_rng(3)
    wiggle = np.exp(rng.normal(0, 1, 12))
    low = analyse(model, history(list(np.round(0.05 * wiggle ** 0.1 * rise, 2))))  # 0.6 mSv a year
    assert np.isnan(low.drift["glr_combine"]).all()
    steady = analyse(model, history(list(np.round(0.5 * wiggle ** 0.05 * rise, 2))))
    noisy = analyse(model, history(list(np.round(0.5 * wiggle ** 0.5 * rise, 2))))
    assert np.nanmax(steady.drift["glr_combine"][8:]) > np.nanmax(noisy.drift["glr_combine"][8:])
    aircrew = analyse(model, history(list(np.round(0.5 * wiggle ** 0.05 * rise, 2)), job="personnel_navigant",
                                     sector="aviation", category="B"))
    assert np.nanmax(aircrew.drift["glr_combine"][8:]) > model.thresholds_["derive:glr_combine"]
    assert np.nanmax(aircrew.drift["glr_combine"][:8]) < model.thresholds_["derive:glr_combine"]


def test_drift_of_a_steady_worker_is_seen_within_three_periods(model: DoseMonitor) -> None:
    rng = np.random.default_rng(4)
    quarters = 0.9 * np.exp(rng.normal(0, 0.06, 8)) * np.where(np.arange(8) >= 4, 1.5, 1.0)
    out = SERVICE.run(model, history(list(np.round(quarters, 2)), months=3, job="personnel_navigant", sector="aviation",
                                    category="none"))
    flagged = np.flatnonzero(out["alert_kinds"].str.contains("derive").to_numpy())
    assert len(flagged) and 4 <= flagged[0] <= 6
    steady = 0.9 * np.exp(rng.normal(0, 0.06, 8))
    out = SERVICE.run(model, history(list(np.round(steady, 2)), months=3, job="personnel_navigant", sector="aviation",
                                    category="none"))
    assert not out["alert_kinds"].str.contains("derive").any()


def test_scan_statistic_uses_only_the_past(model: DoseMonitor) -> None:
    rng = np.random.default_rng(5)
    doses = list(np.round(0.3 * np.exp(rng.normal(0, 0.1, 24)), 2))
    later = doses[:12] + [d * 3 for d in doses[12:]]
    a = analyse(model, history(doses))
    b = analyse(model, history(later))
    np.testing.assert_allclose(a.drift["balayage_historique"][:12], b.drift["balayage_historique"][:12])
    np.testing.assert_allclose(a.drift["glr_combine"][:12], b.drift["glr_combine"][:12])


def test_run_output_order_shape_and_explanations(model: DoseMonitor) -> None:
    data = SERVICE.demo_batch(40, seed=3)
    shuffled = data.sample(frac=1.0, random_state=0).reset_index(drop=True)
    out = SERVICE.run(model, shuffled)
    assert len(out) == len(shuffled)
    assert list(out["record_id"]) == list(shuffled["record_id"])
    assert set(SERVICE.result_fields()) - {"model_version"} == set(out.columns)
    assert out["score"].between(0, 1).all()
    for cell in out["explanation"].iloc[:50]:
        assert Explanation.from_cell(cell).summary
    alerts = out[out["alert"]]
    assert (alerts["reason"].str.len() > 10).all()
    assert (alerts["severity"] != "aucune").all()
    assert (out.loc[~out["alert"], "severity"] == "aucune").all()
    again = SERVICE.run(model, shuffled.iloc[::-1].reset_index(drop=True))
    assert list(again["score"])[::-1] == list(out["score"])


def test_projection_text_names_a_month_in_french(model: DoseMonitor) -> None:
    out = SERVICE.run(model, history([0.2] * 9 + [0.8, 0.9, 1.0], category="B"))
    assert "atteindra 6 mSv vers" in out["projection"].iloc[-1]
    assert any(m in out["projection"].iloc[-1] for m in ("janvier", "février", "mars", "avril", "mai", "juin"))


def test_quality_floors_on_a_generated_population(model: DoseMonitor) -> None:
    test = generate(1500, 24, seed=12)
    figures = SERVICE.evaluate(model, test)
    assert figures["regulatory_recall"] == 1.0
    assert figures["regulatory_precision"] == 1.0
    assert figures["gross_anomaly_recall"] >= 0.95
    assert figures["false_alerts_per_1000_worker_periods"] <= 2.0
    assert figures["precision_top1pct"] >= 0.8
    json.dumps(figures)


def test_vectorised_rules_match_the_reference_on_truth_columns() -> None:
    data = generate(400, 24, seed=13)
    breach, kinds = reference_breaches(data)
    assert breach.any() and (kinds[breach] != "").all()
    assert (data["is_breach"].to_numpy() == breach).all()


def test_generator_is_deterministic_and_calibrated() -> None:
    a, b = generate(3000, 12, seed=5), generate(3000, 12, seed=5)
    pd.testing.assert_frame_equal(a, b)
    clean = a[a["dosimetry_type"].isin(["passive_corps_entier", "interne"]) & ~a["is_anomaly"]]
    annual = clean.groupby("worker_id")["dose_msv"].sum()
    assert 0.85 <= (annual < 1).mean() <= 0.97
    assert 0.5 <= annual[annual > 0].mean() <= 1.5
    shares = a.groupby("sector")["worker_id"].nunique() / a["worker_id"].nunique()
    assert shares["medical"] == pytest.approx(0.6, abs=0.04)
    assert shares["nucleaire"] == pytest.approx(0.22, abs=0.03)


def test_skops_round_trip(tmp_path, model: DoseMonitor) -> None:
    path = tmp_path / "m.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert set(untrusted) <= set(SERVICE.trusted_types())
    loaded = sio.load(path, trusted=untrusted)
    data = SERVICE.demo_batch(20, seed=4)
    pd.testing.assert_frame_equal(SERVICE.run(model, data), SERVICE.run(loaded, data))


def test_csv_round_trip_through_the_platform_reader(tmp_path, model: DoseMonitor) -> None:
    data = SERVICE.demo_batch(10, seed=6)
    path = tmp_path / "doses.csv"
    data.to_csv(path, sep=";", index=False)
    read = read_table(path, Record)
    out = SERVICE.run(model, read)
    expected = SERVICE.run(model, data)
    assert list(out["alert_kinds"]) == list(expected["alert_kinds"])
    np.testing.assert_allclose(out["rolling_12m_msv"], expected["rolling_12m_msv"])


def test_evaluate_without_files_runs_the_issue_population(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int, float]] = []

    def fake(n_workers: int = 0, months: int = 0, seed: int = 0, drift_factor: float = 1.5,
             **_: object) -> dict[str, float]:
        seen.append((n_workers, months, seed, drift_factor))
        return {"regulatory_recall": 1.0}

    monkeypatch.setattr(SERVICE, "evaluate_population", fake)
    SERVICE.evaluate_files([], None)
    SERVICE.evaluate_with({"travailleurs": "2 000", "mois": "12"})
    SERVICE.evaluate_with({"derive": "2,5"})
    assert seen[0][0] >= 50_000 and seen[0][1] >= 24 and seen[0][3] == 1.5
    assert seen[1] == (2000, 12, 1, 1.5)
    assert seen[2][3] == 2.5


def test_evaluate_options_are_checked() -> None:
    assert set(SERVICE.evaluate_options) == {"travailleurs", "mois", "graine", "derive"}
    with pytest.raises(ValueError, match="--derive"):
        SERVICE.evaluate_with({"derive": "1"})
    with pytest.raises(ValueError, match="--derive attend un nombre"):
        SERVICE.evaluate_with({"derive": "double"})
    with pytest.raises(ValueError, match="inconnue"):
        SERVICE.evaluate_with({"corpus": "x"})
    with pytest.raises(ValueError, match="entier"):
        SERVICE.evaluate_with({"travailleurs": "beaucoup"})
    with pytest.raises(ValueError, match="multiple de 3"):
        SERVICE.evaluate_with({"mois": "13"})


def test_population_evaluation_on_a_small_population() -> None:
    figures = SERVICE.evaluate_population(1200, 12, seed=21, train_workers=3000)
    assert figures["n_workers"] == 1200
    assert figures["regulatory_recall"] == 1.0
    assert figures["gross_anomaly_recall"] >= 0.95
    assert figures["false_alerts_per_1000_worker_periods"] <= 2.0
    assert figures["precision_top1pct"] >= 0.8
    assert figures["drift_median_delay_periods"] <= 3


@pytest.mark.slow
def test_population_of_50000_workers_over_24_months() -> None:
    figures = SERVICE.evaluate_population(50_000, 24, seed=1)
    assert figures["n_workers"] == 50_000
    assert figures["regulatory_recall"] == 1.0
    assert figures["gross_anomaly_recall"] >= 0.95
    assert figures["false_alerts_per_1000_worker_periods"] <= 1.0
    assert figures["precision_top1pct"] >= 0.8
    assert figures["drift_recall_within_3_periods"] >= 0.4
    assert figures["drift_median_delay_periods"] <= 2


def test_drift_factor_sets_the_level_a_drift_reaches() -> None:
    levels = {}
    for factor in (1.5, 3.0):
        data = generate(3000, months=24, seed=4, drift_factor=factor)
        passive = data[(data["dosimetry_type"] == "passive_corps_entier") & data["dose_msv"].notna()
                       & ~data["below_threshold"].astype(bool)]
        drifting = passive[passive["drift_start"].notna()]
        after = drifting[drifting["period_start"] >= drifting["drift_start"] + pd.DateOffset(months=3)]
        before = drifting[drifting["period_end"] < drifting["drift_start"]]
        levels[factor] = after.groupby("worker_id")["dose_msv"].median().median() / \
            before.groupby("worker_id")["dose_msv"].median().median()
    assert 1.2 < levels[1.5] < 2.0 < levels[3.0]
