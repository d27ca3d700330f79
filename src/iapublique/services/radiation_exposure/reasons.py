"""French reasons and explanations of alerts, built only for the rows that raise one."""

from __future__ import annotations

import math

import numpy as np
from babel.numbers import format_decimal

from iapublique.core.explain import Explanation, Factor
from iapublique.services.radiation_exposure.model import Analysis
from iapublique.services.radiation_exposure.regulatory import MAX_RETURN_DAYS, rule_limit
from iapublique.services.radiation_exposure.schema import CHANNEL_LABELS, CHANNELS, KIND_LABELS, REGULATORY_KINDS

NO_ALERT = Explanation(
    summary="Aucune alerte : dose cohérente avec l'historique du travailleur, ses pairs et les limites réglementaires.",
).to_json()


def fr(value: float, digits: int = 2) -> str:
    """A number in French format with Babel."""
    if not math.isfinite(value):
        return "—"
    return format_decimal(round(value, digits), format="#,##0." + "#" * digits, locale="fr_FR")


def _sentence(kind: str, i: int, a: Analysis) -> tuple[str, str]:
    """(reason sentence, observed value) of one alert kind on row ``i``."""
    f = a.frame
    dose = float(f.dose[i]) if np.isfinite(f.dose[i]) else float("nan")
    usual = float(np.exp(a.base.worker_level[i]))
    limit = rule_limit(kind)
    if limit is not None:
        label = KIND_LABELS[kind]
        return (f"{label[:1].upper()}{label[1:]} : cumul de {fr(a.rolling[i])} mSv pour une limite de "
                f"{fr(limit, 0)} mSv.", f"{fr(a.rolling[i])} mSv")
    if kind == "retard_dosimetre":
        days = f.received[i] - f.end[i]
        return (f"Résultat reçu {fr(days, 0)} jours après la fin de la période de port (au plus {MAX_RETURN_DAYS}).",
                f"{fr(days, 0)} jours")
    if kind == "dosimetre_manquant":
        if not np.isfinite(f.dose[i]):
            return "Aucune dose transmise pour cette période de port (dosimètre perdu ou non retourné).", "absente"
        return ("Période non couverte par la dosimétrie passive avant cette période de port (dosimètre manquant).",
                "période manquante")
    if kind == "pic_individuel":
        ratio = dose / usual if usual > 0 else float("inf")
        return (f"Pic : {fr(dose)} mSv, soit {fr(ratio, 1)} fois la dose habituelle de ce travailleur "
                f"({fr(usual, 3)} mSv), après prise en compte du mois chez l'employeur.", f"{fr(dose)} mSv")
    if kind == "erreur_unite":
        return (f"{fr(dose)} mSv est environ 1 000 fois la dose habituelle ({fr(usual, 3)} mSv) : valeur "
                f"probablement saisie en µSv, soit {fr(dose / 1000, 3)} mSv.", f"{fr(dose)} mSv")
    if kind == "pic_pairs":
        return (f"{fr(dose)} mSv dépasse nettement les doses des pairs ({f.sector[i]}, {f.job[i]}, "
                f"{CHANNEL_LABELS[CHANNELS[int(f.channel[i])]]}).", f"{fr(dose)} mSv")
    if kind == "ecart_passif_operationnel":
        op = float(a.op_sum[i])
        ratio = dose / op if op > 0 else float("inf")
        return (f"Dosimétrie passive {fr(dose)} mSv contre {fr(op, 3)} mSv en opérationnelle sur la même période "
                f"(rapport {fr(ratio, 2)}, attendu entre 0,5 et 2).", f"rapport {fr(ratio, 2)}")
    if kind == "valeur_implausible":
        if f.censored[i]:
            return f"Dose signalée sous le seuil d'enregistrement mais valant {fr(dose)} mSv.", f"{fr(dose)} mSv"
        if dose < 0:
            return f"Dose négative ({fr(dose)} mSv).", f"{fr(dose)} mSv"
        return f"Dose de {fr(dose)} mSv physiquement implausible pour ce type de dosimétrie.", f"{fr(dose)} mSv"
    if kind == "doublon":
        return ("Même travailleur, même type de dosimétrie et même période qu'un enregistrement reçu plus tôt ; "
                "il n'est pas recompté s'il est identique.", "doublon")
    if kind == "date_incoherente":
        return ("Dates incohérentes : période de port inversée, de plus de 100 jours, antérieure aux 14 ans du "
                "travailleur, ou résultat reçu avant la fin du port.", "dates")
    if kind == "derive":
        text = ("Dérive durable à la hausse détectée : sur les dernières périodes, les doses du travailleur (nettes "
                "de la variation commune de ses collègues du même métier chez le même employeur) ou son rapport "
                "passif / opérationnel dépassent durablement son niveau antérieur.")
        ratio_llr = a.drift.get("glr_ratio")
        if ratio_llr is not None and np.isfinite(ratio_llr[i]):
            if ratio_llr[i] > 0:
                return (text + " Le dosimètre passif monte aussi par rapport à la dosimétrie opérationnelle des "
                        "mêmes mois : vérifier d'abord le dosimètre passif.", "dérive du dosimètre ?")
            return (text + " Les dosimétries passive et opérationnelle montent ensemble : hausse probable de "
                    "l'exposition.", "dérive de l'exposition ?")
        return text, "dérive"
    return KIND_LABELS.get(kind, kind), ""


def alert_texts(a: Analysis, rows: np.ndarray, kinds: list[list[str]], strengths: dict[str, np.ndarray],
                projection: np.ndarray) -> tuple[list[str], list[str]]:
    """(reason, explanation JSON) for each alert row, kinds listed from the strongest."""
    reasons: list[str] = []
    explanations: list[str] = []
    for i, row_kinds in zip(rows, kinds, strict=True):
        sentences = [_sentence(k, int(i), a) for k in row_kinds]
        reason = " ".join(s for s, _ in sentences)
        factors = [Factor(label=s, value=v, weight=round(float(strengths[k][i]), 3))
                   for k, (s, v) in zip(row_kinds, sentences, strict=True)]
        channel = CHANNEL_LABELS[CHANNELS[int(a.frame.channel[i])]]
        regulatory = [k for k in row_kinds if k in REGULATORY_KINDS]
        lead = "Alerte réglementaire" if regulatory else "Anomalie à vérifier"
        summary = f"{lead} ({channel}) : {KIND_LABELS[row_kinds[0]]}. {projection[i]}"
        reasons.append(reason)
        explanations.append(Explanation(summary=summary, factors=factors).to_json())
    return reasons, explanations

