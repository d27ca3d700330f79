"""The legal catalogue: every category the service reports, with its legal basis, severity and French wording.

Codes are stable identifiers used in findings, in the seed corpus labels and in the ground truth of the
demo data. The black list (R. 212-1) is "noire", the grey list (R. 212-2) "grise"; generic L. 212-1 cases
and what depends on circumstances are "à examiner".
"""

from __future__ import annotations

from dataclasses import dataclass

NOIRE = "noire"
GRISE = "grise"
A_EXAMINER = "à examiner"
SEVERITIES = (NOIRE, GRISE, A_EXAMINER)
SEVERITY_RANK = {NOIRE: 3, GRISE: 2, A_EXAMINER: 1}

FAIR = "fair"
"""Label of clauses that raise no issue, in the seed corpus and the test set."""


@dataclass(frozen=True)
class Category:
    """One reportable category: a black/grey-list item, a generic case, a missing mention or a calculation."""

    code: str
    basis: str
    severity: str
    label: str
    explanation: str
    family: str = "clause"


def _c(code: str, basis: str, severity: str, label: str, explanation: str, family: str = "clause") -> Category:
    return Category(code, basis, severity, label, explanation, family)


CLAUSE_CATEGORIES: tuple[Category, ...] = (
    _c(
        "R212-1-1",
        "R. 212-1 1°",
        NOIRE,
        "Adhésion à des clauses non communiquées",
        "La clause fait adhérer le consommateur à des stipulations qui ne figurent pas dans le document signé "
        "ou qu'il n'a pas pu connaître avant de conclure : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-2",
        "R. 212-1 2°",
        NOIRE,
        "Engagements des préposés ou mandataires écartés",
        "La clause restreint l'obligation du professionnel de respecter les engagements pris par ses salariés, "
        "vendeurs ou mandataires : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-3",
        "R. 212-1 3°",
        NOIRE,
        "Modification unilatérale du prix, de la durée ou des caractéristiques",
        "La clause permet au professionnel de modifier seul le prix, la durée ou les caractéristiques du bien "
        "ou du service : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-4",
        "R. 212-1 4°",
        NOIRE,
        "Appréciation ou interprétation réservée au professionnel",
        "La clause donne au seul professionnel le droit de juger la conformité de sa prestation ou "
        "d'interpréter le contrat : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-5",
        "R. 212-1 5°",
        NOIRE,
        "Obligation du consommateur maintenue malgré l'inexécution",
        "La clause oblige le consommateur à payer ou à exécuter même si le professionnel ne livre pas, ne "
        "garantit pas ou ne fournit pas le service : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-6",
        "R. 212-1 6°",
        NOIRE,
        "Suppression ou réduction du droit à réparation",
        "La clause exclut ou limite l'indemnisation du consommateur lorsque le professionnel manque à ses "
        "obligations : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-7",
        "R. 212-1 7°",
        NOIRE,
        "Interdiction de résilier en cas d'inexécution",
        "La clause interdit au consommateur de résoudre ou de résilier le contrat alors que le professionnel "
        "n'exécute pas ses obligations : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-8",
        "R. 212-1 8°",
        NOIRE,
        "Résiliation discrétionnaire réservée au professionnel",
        "La clause permet au professionnel de résilier à sa guise sans reconnaître le même droit au "
        "consommateur : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-9",
        "R. 212-1 9°",
        NOIRE,
        "Sommes conservées après résiliation par le professionnel",
        "La clause permet au professionnel de garder les sommes payées pour des prestations non réalisées "
        "lorsqu'il résilie lui-même : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-10",
        "R. 212-1 10°",
        NOIRE,
        "Préavis plus long pour le consommateur",
        "Dans un contrat à durée indéterminée, la clause impose au consommateur un préavis de résiliation plus "
        "long que celui du professionnel : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-11",
        "R. 212-1 11°",
        NOIRE,
        "Indemnité de résiliation à la charge du consommateur",
        "Dans un contrat à durée indéterminée, la clause subordonne la résiliation par le consommateur au "
        "paiement d'une indemnité : elle est abusive en toutes circonstances.",
    ),
    _c(
        "R212-1-12",
        "R. 212-1 12°",
        NOIRE,
        "Charge de la preuve inversée",
        "La clause fait peser sur le consommateur une preuve qui incombe normalement au professionnel : elle "
        "est abusive en toutes circonstances.",
    ),
    _c(
        "R212-2-1",
        "R. 212-2 1°",
        GRISE,
        "Engagement ferme face à une condition potestative",
        "Le consommateur est engagé fermement alors que la prestation du professionnel dépend de sa seule "
        "volonté : la clause est présumée abusive, sauf preuve contraire du professionnel.",
    ),
    _c(
        "R212-2-2",
        "R. 212-2 2°",
        GRISE,
        "Sommes conservées sans réciprocité",
        "Le professionnel garde l'acompte ou les arrhes si le consommateur renonce, sans indemnité équivalente "
        "(ou double des arrhes) dans le cas inverse : la clause est présumée abusive.",
    ),
    _c(
        "R212-2-3",
        "R. 212-2 3°",
        GRISE,
        "Indemnité manifestement disproportionnée",
        "La pénalité imposée au consommateur défaillant est manifestement disproportionnée : la clause est "
        "présumée abusive.",
    ),
    _c(
        "R212-2-4",
        "R. 212-2 4°",
        GRISE,
        "Résiliation sans préavis raisonnable",
        "Le professionnel peut résilier sans préavis d'une durée raisonnable : la clause est présumée abusive.",
    ),
    _c(
        "R212-2-5",
        "R. 212-2 5°",
        GRISE,
        "Cession du contrat sans accord du consommateur",
        "Le professionnel peut céder le contrat sans l'accord du consommateur, au risque de diminuer ses "
        "droits : la clause est présumée abusive.",
    ),
    _c(
        "R212-2-6",
        "R. 212-2 6°",
        GRISE,
        "Modification unilatérale des droits et obligations",
        "Le professionnel se réserve de modifier seul les droits et obligations des parties (hors prix, durée "
        "et caractéristiques) : la clause est présumée abusive.",
    ),
    _c(
        "R212-2-7",
        "R. 212-2 7°",
        GRISE,
        "Date d'exécution seulement indicative",
        "La date de livraison ou d'exécution n'est qu'indicative, hors les cas où la loi l'autorise : la "
        "clause est présumée abusive.",
    ),
    _c(
        "R212-2-8",
        "R. 212-2 8°",
        GRISE,
        "Résiliation plus rigoureuse pour le consommateur",
        "Les modalités de résolution ou de résiliation sont plus strictes pour le consommateur que pour le "
        "professionnel : la clause est présumée abusive.",
    ),
    _c(
        "R212-2-9",
        "R. 212-2 9°",
        GRISE,
        "Moyens de preuve du consommateur limités",
        "La clause limite indûment les preuves que le consommateur peut produire : elle est présumée abusive.",
    ),
    _c(
        "R212-2-10",
        "R. 212-2 10°",
        GRISE,
        "Action en justice supprimée ou entravée",
        "La clause supprime ou entrave l'accès du consommateur au juge (arbitrage obligatoire, renonciation à "
        "agir, délais réduits) : elle est présumée abusive.",
    ),
    _c(
        "L612-4",
        "L. 612-4",
        NOIRE,
        "Médiation obligatoire avant le juge",
        "La clause oblige le consommateur à passer par une médiation avant de saisir le juge : elle est "
        "interdite par l'article L. 612-4 du code de la consommation.",
    ),
    _c(
        "L212-1-juridiction",
        "L. 212-1 ; R. 631-3",
        A_EXAMINER,
        "Clause attributive de juridiction",
        "La clause désigne un tribunal qui peut éloigner le consommateur de son juge naturel (R. 631-3 lui "
        "permet de saisir celui de son domicile) : à examiner au regard de l'article L. 212-1.",
    ),
    _c(
        "L212-1-loi",
        "L. 212-1 ; art. 6 Règlement Rome I",
        A_EXAMINER,
        "Choix d'une loi étrangère",
        "La clause soumet le contrat à une loi étrangère sans rappeler la protection de la loi du pays du "
        "consommateur : à examiner au regard de l'article L. 212-1.",
    ),
    _c(
        "L212-1-contenu",
        "L. 212-1",
        A_EXAMINER,
        "Retrait discrétionnaire de contenus ou de comptes",
        "La clause permet au professionnel de supprimer les contenus ou le compte du consommateur à sa seule "
        "discrétion : déséquilibre significatif à examiner (L. 212-1).",
    ),
    _c(
        "L221-18",
        "L. 221-18 ; L. 221-28",
        A_EXAMINER,
        "Droit de rétractation écarté",
        "La clause écarte ou réduit le délai de rétractation de quatorze jours hors des exceptions de "
        "l'article L. 221-28 : à examiner.",
    ),
    _c(
        "L217-garantie",
        "L. 217-3 et s. ; L. 241-5",
        NOIRE,
        "Garantie légale de conformité écartée",
        "La clause écarte ou limite la garantie légale de conformité, qui est d'ordre public : elle est "
        "réputée non écrite.",
    ),
)

MENTION_CATEGORIES: tuple[Category, ...] = (
    _c(
        "MENTION-mediateur",
        "L. 616-1 ; R. 616-1",
        GRISE,
        "Coordonnées du médiateur absentes",
        "Le document ne donne pas les coordonnées du médiateur de la consommation dont relève le professionnel.",
        "mention",
    ),
    _c(
        "MENTION-retractation",
        "L. 221-5 ; L. 221-18",
        GRISE,
        "Délai de rétractation non indiqué",
        "Pour un contrat conclu à distance ou hors établissement, le délai de rétractation de 14 jours doit "
        "être indiqué.",
        "mention",
    ),
    _c(
        "MENTION-garantie",
        "L. 111-1 ; D. 211-2",
        GRISE,
        "Garantie légale de conformité non mentionnée",
        "Le document ne mentionne pas la garantie légale de conformité (deux ans pour un bien).",
        "mention",
    ),
    _c(
        "MENTION-validite",
        "L. 111-1 ; arrêté du 24 janvier 2017",
        A_EXAMINER,
        "Durée de validité du devis absente",
        "Le devis n'indique pas sa durée de validité.",
        "mention",
    ),
    _c(
        "MENTION-devis-detail",
        "L. 111-1 ; arrêté du 24 janvier 2017",
        GRISE,
        "Prix détaillé absent du devis",
        "Le devis ne détaille pas les prix (unitaires ou forfaitaires) HT et TTC.",
        "mention",
    ),
    _c(
        "MENTION-date",
        "L. 441-9 C. com.",
        GRISE,
        "Date d'émission absente",
        "La facture ne porte pas sa date d'émission.",
        "mention",
    ),
    _c(
        "MENTION-numero",
        "L. 441-9 C. com. ; art. 242 nonies A ann. II CGI",
        GRISE,
        "Numéro de facture absent",
        "La facture ne porte pas de numéro unique fondé sur une séquence chronologique continue.",
        "mention",
    ),
    _c(
        "MENTION-siren",
        "L. 441-9 C. com. ; R. 123-237 C. com.",
        GRISE,
        "Numéro SIREN/SIRET du vendeur absent",
        "La facture n'indique pas le numéro SIREN ou SIRET du vendeur.",
        "mention",
    ),
    _c(
        "MENTION-tva-intra",
        "art. 242 nonies A ann. II CGI",
        A_EXAMINER,
        "Numéro de TVA intracommunautaire absent",
        "La facture n'indique pas le numéro individuel d'identification à la TVA du vendeur.",
        "mention",
    ),
    _c(
        "MENTION-parties",
        "L. 441-9 C. com.",
        GRISE,
        "Nom ou adresse des parties absent",
        "La facture doit indiquer le nom et l'adresse du vendeur et de l'acheteur.",
        "mention",
    ),
    _c(
        "MENTION-prix-unitaire",
        "L. 441-9 C. com.",
        GRISE,
        "Prix unitaire hors taxes absent",
        "La facture doit indiquer la quantité, la dénomination précise et le prix unitaire hors TVA.",
        "mention",
    ),
    _c(
        "MENTION-totaux",
        "L. 441-9 C. com. ; art. 242 nonies A ann. II CGI",
        GRISE,
        "Totaux HT, TVA ou TTC absents",
        "La facture doit indiquer le total hors taxes, le taux et le montant de la TVA, et le total TTC.",
        "mention",
    ),
    _c(
        "MENTION-echeance",
        "L. 441-9 C. com.",
        GRISE,
        "Date de paiement absente",
        "La facture doit indiquer la date à laquelle le paiement doit intervenir.",
        "mention",
    ),
    _c(
        "MENTION-penalites",
        "L. 441-9 ; L. 441-10 C. com.",
        GRISE,
        "Pénalités de retard non indiquées",
        "La facture doit indiquer le taux des pénalités exigibles en cas de retard de paiement.",
        "mention",
    ),
    _c(
        "MENTION-indemnite-40",
        "L. 441-10 ; D. 441-5 C. com.",
        GRISE,
        "Indemnité forfaitaire de 40 € non mentionnée",
        "Entre professionnels, la facture doit mentionner l'indemnité forfaitaire de 40 € pour frais de recouvrement.",
        "mention",
    ),
)

CALC_CATEGORIES: tuple[Category, ...] = (
    _c(
        "CALC-ligne",
        "L. 441-9 C. com. ; L. 112-1 C. conso.",
        NOIRE,
        "Total de ligne erroné",
        "Le montant de la ligne ne correspond pas à la quantité multipliée par le prix unitaire.",
        "calcul",
    ),
    _c(
        "CALC-total-ht",
        "L. 441-9 C. com.",
        NOIRE,
        "Total hors taxes erroné",
        "Le total hors taxes ne correspond pas à la somme des lignes.",
        "calcul",
    ),
    _c(
        "CALC-tva",
        "art. 242 nonies A ann. II CGI",
        NOIRE,
        "Montant de TVA erroné",
        "Le montant de TVA ne correspond pas au total hors taxes multiplié par le taux.",
        "calcul",
    ),
    _c(
        "CALC-total-ttc",
        "L. 441-9 C. com. ; L. 112-1 C. conso.",
        NOIRE,
        "Total TTC erroné",
        "Le total TTC ne correspond pas au total hors taxes augmenté de la TVA.",
        "calcul",
    ),
)

CATEGORIES: dict[str, Category] = {c.code: c for c in (*CLAUSE_CATEGORIES, *MENTION_CATEGORIES, *CALC_CATEGORIES)}
CLAUSE_CODES: tuple[str, ...] = tuple(c.code for c in CLAUSE_CATEGORIES)
BLACK_GREY_CODES: tuple[str, ...] = tuple(
    c.code for c in CLAUSE_CATEGORIES if c.code.startswith(("R212-1-", "R212-2-")) or c.code == "L612-4"
)
LIST_ITEM_CODES: tuple[str, ...] = tuple(c.code for c in CLAUSE_CATEGORIES if c.code.startswith(("R212-1-", "R212-2-")))


def category(code: str) -> Category:
    """The category of a code; a French error for an unknown one."""
    try:
        return CATEGORIES[code]
    except KeyError:
        raise KeyError(f"catégorie inconnue : « {code} »") from None
