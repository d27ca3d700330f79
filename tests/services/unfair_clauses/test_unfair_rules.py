"""The rule layer finds every black-list and grey-list item and stays silent on ordinary clauses."""

from __future__ import annotations

import pytest

from iapublique.services.unfair_clauses import legal
from iapublique.services.unfair_clauses.rules import apply_rules
from iapublique.services.unfair_clauses.segment import segment

EXAMPLES = {
    "R212-1-1": "Le client reconnaît avoir accepté le règlement de la résidence, consultable au bureau d'accueil.",
    "R212-1-2": "Les promesses faites par nos commerciaux n'engagent pas la société.",
    "R212-1-3": "Le prestataire se réserve le droit d'augmenter ses tarifs à tout moment.",
    "R212-1-4": "Le vendeur est seul juge de la conformité des produits livrés.",
    "R212-1-5": "La cotisation reste due même en cas de fermeture de la salle.",
    "R212-1-6": "Le transporteur décline toute responsabilité en cas de perte des bagages.",
    "R212-1-7": "Le client ne peut pas résilier le contrat en cas de retard de livraison.",
    "R212-1-8": "La société peut résilier le contrat à tout moment sans motif.",
    "R212-1-9": "En cas de résiliation par le club, les sommes versées restent acquises.",
    "R212-1-10": "Le préavis est de trois mois pour le client et de huit jours pour le fournisseur.",
    "R212-1-11": "La résiliation par l'abonné donne lieu au paiement d'une indemnité de 100 euros.",
    "R212-1-12": "Il appartient au client de prouver que le défaut existait à la livraison.",
    "R212-2-1": "La commande est ferme pour le client, sous réserve d'acceptation par le vendeur.",
    "R212-2-2": "En cas d'annulation par le client, l'acompte reste acquis au vendeur.",
    "R212-2-3": "Tout retard de paiement entraîne une pénalité de 50 % du prix.",
    "R212-2-4": "Le fournisseur peut résilier le contrat sans préavis.",
    "R212-2-5": "La banque peut céder le contrat à tout tiers sans l'accord du client.",
    "R212-2-6": "Nous pouvons modifier les présentes conditions à tout moment.",
    "R212-2-7": "Les délais de livraison sont donnés à titre indicatif.",
    "R212-2-8": "Le client ne peut résilier que par acte d'huissier, alors que la société résilie par simple courriel.",
    "R212-2-9": "Les enregistrements du prestataire font seuls foi entre les parties.",
    "R212-2-10": "Tout litige sera tranché exclusivement par voie d'arbitrage.",
    "L612-4": "Le client doit obligatoirement saisir le médiateur avant toute action en justice.",
}

FAIR = [
    "Le client dispose d'un délai de quatorze jours pour exercer son droit de rétractation.",
    "Chacune des parties peut résilier le contrat avec un préavis d'un mois.",
    "Le prix est payable à la commande par carte bancaire.",
    "Le vendeur n'est pas responsable d'une inexécution due à la force majeure.",
    "Le client peut recourir gratuitement au médiateur de la consommation, sans préjudice de son droit "
    "de saisir le juge.",
    "Les arrhes sont perdues si le client renonce ; si le vendeur renonce, il les restitue au double.",
    "Les données du client sont traitées conformément au règlement général sur la protection des données.",
    "Le présent contrat est soumis au droit français.",
    "Le client peut apporter la preuve d'un défaut par tout moyen.",
    "Le prestataire ne peut céder le contrat qu'avec l'accord exprès du client.",
]


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_rule_finds_item(code: str) -> None:
    codes = {h.code for h in apply_rules(EXAMPLES[code])}
    assert code in codes, f"{code} non détecté : {codes}"


def test_every_list_item_has_an_example() -> None:
    assert set(legal.LIST_ITEM_CODES) | {"L612-4"} == set(EXAMPLES)


@pytest.mark.parametrize("text", FAIR)
def test_fair_clause_not_flagged(text: str) -> None:
    assert apply_rules(text) == []


def test_triggers_point_at_words() -> None:
    text = EXAMPLES["R212-1-3"]
    hit = next(h for h in apply_rules(text) if h.code == "R212-1-3")
    words = [text[s:e].lower() for s, e in hit.spans]
    assert any("augmenter" in w for w in words) and any("tarif" in w for w in words)


def test_segmentation_keeps_articles_and_offsets() -> None:
    text = (
        "Article 1 – Objet\nLe présent contrat, conclu en application de l'art. L. 221-18, fixe les règles. "
        "Il entre en vigueur à la signature.\n\nArticle 2 – Prix\nLes prix sont en euros."
    )
    clauses = segment(text)
    body = [c for c in clauses if not c.is_heading]
    assert [c.article for c in body] == ["1", "1", "2"]
    assert all(text[c.start : c.end] == c.text for c in clauses)
    assert "L. 221-18" in body[0].text
