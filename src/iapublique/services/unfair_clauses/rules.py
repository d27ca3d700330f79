"""High-precision French rules, one or more per black-list (R. 212-1) and grey-list (R. 212-2) item.

A rule fires on a clause when every pattern of one of its variants matches the folded clause (lower
case, no accents) and none of its exceptions does; the matched spans are the triggering words shown to
the investigator. Rules were written from the wording of the articles and the recommendations of the
Commission des clauses abusives, not from the test set.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from iapublique.services.unfair_clauses.textfold import fold

Span = tuple[int, int]

PRO = (
    r"(?:vendeur|prestataire|professionnel|societe|operateur|fournisseur|club|agence|garage|banque|organisateur|"
    r"bailleur|loueur|etablissement|entreprise|editeur|plateforme|assureur|transporteur|salle|centre|magasin|"
    r"enseigne|constructeur|installateur|ecole|exploitant|distributeur|marchand|site|nous|concessionnaire|"
    r"residence|hotel|camping|complexe|studio|cabinet|artisan|reparateur|compagnie|service client|direction|"
    r"mutuelle|courtier|laboratoire|opticien|concepteur|voyagiste|tour-operateur|gestionnaire|academie|"
    r"institut|coach|salon|boutique|traiteur|demenageur|loueuse|vendeuse|pressing|auto-ecole|creche|studio)"
)
CONS = (
    r"(?:client|cliente|consommateur|consommatrice|abonne|abonnee|adherent|adherente|acheteur|acheteuse|"
    r"souscripteur|souscriptrice|utilisateur|utilisatrice|locataire|voyageur|voyageuse|membre|vous|eleve|"
    r"titulaire|acquereur|participant|participante|emprunteur|emprunteuse|donneur d'ordre|maitre d'ouvrage|"
    r"beneficiaire|usager|proprietaire du vehicule|patient|residant|resident|parent|famille|etudiant|"
    r"passager|assure|cocontractant|particulier)s?"
)
UNILATERAL = (
    r"(?:a tout moment|a tout instant|unilateralement|a (?:sa|son|notre|leur) (?:seule |entiere |libre |pleine |"
    r"totale )?(?:discretion|convenance|appreciation|initiative|gre|choix)|librement|sans (?:preavis|motif|"
    r"justification|raison|explication|avoir a (?:se )?justifier|l'accord|accord|consentement|autorisation|"
    r"information|notification|en (?:informer|aviser|avertir)|aviser|avertir|informer|prevenir|condition)|"
    r"discretionnaire\w*|comme bon (?:lui|nous|leur) semble|s'(?:il|elle)s? le juge\w* (?:utile|necessaire|"
    r"opportun)|si (?:nous|il|elle) le jugeons?|de plein droit|pour (?:quelque|tout|toute) (?:motif|raison|cause)|"
    r"selon (?:ses|nos|leurs) (?:besoins|choix|imperatifs|contraintes|convenances)|des qu'(?:il|elle) le souhaite|"
    r"quand (?:il|elle|nous) le (?:souhaite|souhaitons|veut|voulons)|en fonction de (?:ses|nos) (?:choix|"
    r"besoins|imperatifs|contraintes|politiques?)|a (?:sa|notre) guise|ad nutum|pour convenance)"
)
MODIFY = (
    r"(?:modifi\w*|chang\w*|revis\w*|reevalu\w*|augment\w*|ajust\w*|actualis\w*|fair\w* evoluer|evolu\w*|"
    r"adapt\w*|remplac\w*|substitu\w*|major\w*|index\w*|redefin\w*|amend\w*|retir\w*|supprim\w*|reduir\w*|"
    r"redui\w*|relev\w*|reamenag\w*|reorganis\w*|changement|modification|hausse|revision)"
)
PRICE_DURATION_FEATURES = (
    r"(?:prix|tarif\w*|montant\w*|redevance\w*|cotisation\w*|mensualit\w*|abonnement\w*|frais|loyer\w*|"
    r"duree|caracteristiques|contenu (?:du|de la|des) (?:service|forfait|contrat|offre|prestation|formule|"
    r"bouquet|sejour|programme)|produits? (?:commande|livre|vendu)\w*|(?:le|les|ses|nos) (?:service|produit|"
    r"forfait|prestation|offre|equipement|modele|option|chaine|bouquet|activite|cours|soin)s?|itineraire|"
    r"programme|debit|horaires? (?:d'ouverture|des cours)|date (?:du )?(?:depart|sejour|voyage)|hebergement|"
    r"(?:nombre|volume) (?:de|d')\w+|formule|materiaux|equipements?|marque|coloris|modele|quantite)"
)
TERMS = (
    r"(?:conditions? (?:generales?|particulieres?|d'utilisation|de vente|contractuelles?|d'abonnement|"
    r"de service|tarifaires|du contrat)|presentes? (?:conditions|cg\w*|stipulations|dispositions)|cg[vus]\w*|"
    r"reglement(?: interieur)?|contrat|stipulations|clauses|termes (?:du|de ce|des presentes)|(?:les|ses|nos) "
    r"regles|modalites (?:du contrat|d'utilisation|de fonctionnement)|charte)"
)
TERMINATE = (
    r"(?:resili\w*|resoudre|resolution|mettre (?:un )?(?:fin|terme)|mettons fin|met fin|rompre|rupture|"
    r"cloturer|cloture|fermer (?:le|votre|son) compte|denonc\w*|annuler (?:le|la|l'|votre|son) "
    r"(?:contrat|abonnement|adhesion|reservation|inscription|commande|compte|sejour|voyage)|interrompre "
    r"definitivement|terminer le contrat|supprimer (?:le |l'|votre |son )(?:abonnement|compte|profil|adhesion))"
)
NONPERF = (
    r"(?:retard\w*|defaut (?:de |d')?(?:livraison|execution|conformite|fourniture|prestation|service)|"
    r"non[- ]?(?:livraison|execution|conformite|fourniture|realisation)|inexecution|manquement\w*|panne\w*|"
    r"interruption\w*|suspension\w*|indisponibilit\w*|dysfonctionnement\w*|fermeture\w*|coupure\w*|"
    r"ne (?:livre|fournit|execute|respecte|assure) pas|n'est pas (?:livre|fourni|execute|assure)|"
    r"(?:n'|ne )(?:honore|remplit)\w* pas|mauvaise execution|absence de (?:livraison|prestation|service)|"
    r"annulation (?:de|des) (?:cours|seances?|prestations?) par|travaux|greve|sans (?:livraison|service))"
)


@dataclass(frozen=True)
class Rule:
    """One rule: variants (each a list of patterns that must all match) and exceptions (none may match)."""

    code: str
    variants: tuple[tuple[re.Pattern[str], ...], ...]
    unless: tuple[re.Pattern[str], ...] = ()
    check: Callable[[str], bool] | None = None
    name: str = ""

    def match(self, folded: str) -> list[Span] | None:
        """Triggering spans if the rule fires on ``folded`` (already folded text), else ``None``."""
        if any(p.search(folded) for p in self.unless):
            return None
        for variant in self.variants:
            spans: list[Span] = []
            for pattern in variant:
                m = pattern.search(folded)
                if m is None:
                    break
                spans.append(m.span())
            else:
                if self.check is None or self.check(folded):
                    return spans
        return None


def _rule(
    code: str, *variants: list[str], unless: list[str] | None = None, check: Callable[[str], bool] | None = None
) -> Rule:
    return Rule(
        code,
        tuple(tuple(re.compile(p) for p in v) for v in variants),
        tuple(re.compile(p) for p in (unless or [])),
        check,
        code,
    )


NUMBER_WORDS = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "quinze": 15,
    "trente": 30,
    "quarante-huit": 48,
    "vingt-quatre": 24,
    "soixante": 60,
    "quatre-vingt-dix": 90,
}
DURATION_RE = re.compile(
    r"(\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|trente|soixante|"
    r"quatre-vingt-dix)\s*(jours?|mois|semaines?|heures?|ans?|annees?)"
)
UNIT_DAYS = {"jour": 1.0, "mois": 30.0, "semaine": 7.0, "heure": 1 / 24, "an": 365.0, "annee": 365.0}


def _days(m: re.Match[str]) -> float:
    n = m.group(1)
    value = float(n) if n.isdigit() else float(NUMBER_WORDS.get(n, 1))
    unit = m.group(2).rstrip("s")
    return value * UNIT_DAYS.get(unit, UNIT_DAYS.get(unit + "s", 1.0))


PARTY_RE = re.compile(rf"\b(?P<cons>{CONS})\b|\b(?P<pro>{PRO})\b")
FOR_PARTY_RE = re.compile(
    rf"\s*(?:calendaires\s*)?(?:pour|du cote|de la part|a la charge|par|s'agissant)\s*(?:de |du |d')?"
    rf"(?:le |la |l'|les |"
    rf"chaque |votre |notre )?(?:(?P<cons>{CONS})|(?P<pro>{PRO}))\b"
)


def _notice_consumer_longer(folded: str) -> bool:
    """Two notice periods in one clause, the consumer's longer than the professional's (R. 212-1 10°)."""
    if "preavis" not in folded and "prevenance" not in folded and "avant" not in folded:
        return False
    parties = [(m.start(), m.end(), "cons" if m.group("cons") else "pro") for m in PARTY_RE.finditer(folded)]
    cons_days: list[float] = []
    pro_days: list[float] = []
    for m in DURATION_RE.finditer(folded):
        who = ""
        after = FOR_PARTY_RE.match(folded, m.end())
        if after:
            who = "cons" if after.group("cons") else "pro"
        else:
            before = [(m.start() - e, w) for s, e, w in parties if e <= m.start() and m.start() - e <= 120]
            if before:
                who = min(before)[1]
        if who:
            (cons_days if who == "cons" else pro_days).append(_days(m))
    return bool(cons_days and pro_days and max(cons_days) > min(pro_days))


PERCENT_RE = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*(?:%|pour ?cent)")


def _heavy_penalty(folded: str) -> bool:
    """A penalty of at least 25 % of the price, the whole price, or a multiple of it (R. 212-2 3°)."""
    if re.search(
        r"totalite|integralite|l'ensemble des (?:mensualites|loyers|echeances|sommes|cotisations|"
        r"redevances)|(?:double|triple|quadruple|dix fois|(?:\d+) fois) (?:du|le|la|les|de)|"
        r"(?:mensualites|echeances|cotisations|loyers|redevances|sommes) restant\w* (?:a courir|dues?)|"
        r"restant (?:a courir|du)|jusqu'au terme",
        folded,
    ):
        return True
    return any(float(m.group(1).replace(",", ".")) >= 25 for m in PERCENT_RE.finditer(folded))


RULES: tuple[Rule, ...] = (
    # ---- R. 212-1: black list -----------------------------------------------------------------------
    _rule(
        "R212-1-1",
        [
            r"(?:reconnai\w*|declare\w*|certifie\w*|atteste\w*|accept\w*|adhere\w*|repute\w*|approuve\w*|"
            r"vaut (?:acceptation|adhesion)|engag\w*)",
            r"(?:conditions|reglement\w*|stipulations|clauses|tarifs?|annexes?|documents?|grille\w*|charte|"
            r"bareme\w*|notice\w*|politique\w*|modalites)",
            r"(?:disponibles?|consultables?|affiche\w*|tenu\w* a (?:sa|la|leur|votre) disposition|sur (?:simple )?"
            r"demande|non (?:jointe?s?|annexe\w*|remis\w*|communique\w*|reproduit\w*|fourni\w*)|qui ne (?:lui |vous )?"
            r"(?:ont|a|sont) pas (?:ete )?(?:remis|communique|joint|fourni|transmis)\w*|meme s'(?:il|elle|ils|"
            r"elles)s? (?:ne|n')|(?:en vigueur|applicables?) (?:au jour|a la date) (?:de|du) (?:l'execution|la "
            r"prestation|la livraison|l'intervention)|ulterieurement|qui (?:lui|vous) seront (?:remis|"
            r"communique|transmis)\w*|sans (?:les avoir|en avoir) (?:lu|recu|pris))",
        ],
        [
            r"(?:l'utilisation|l'usage|le fait (?:d'utiliser|de naviguer|d'acceder|de passer|de poursuivre|de "
            r"continuer)|la simple (?:utilisation|navigation|inscription|connexion|presence|entree)|toute "
            r"(?:utilisation|connexion|commande|visite|entree)|la poursuite|l'acces|la navigation|la connexion|"
            r"la seule (?:utilisation|navigation|entree|presence|signature|ouverture)|l'entree|l'ouverture|le "
            r"passage|le premier (?:usage|paiement|prelevement)|en (?:utilisant|naviguant|accedant|continuant|"
            r"poursuivant|installant|entrant|telechargeant))",
            r"(?:vaut|emporte|implique|entraine|signifie|constitue|equivaut|manifeste|emportera|vaudra|"
            r"impliquera|entrainera|acceptez|accepte|reconnai\w*|etes (?:repute|cense)\w*|est (?:repute|cense)\w*|"
            r"adherez|adhere)",
            r"(?:accept\w*|adhesion|agrement|consentement|reconnai\w*|lie\w* par|etre lie)",
        ],
        unless=[
            r"ci-(?:jointe?s?|annexee?s?|dessous|apres)|figurant (?:ci-|au (?:verso|present))|remis\w* (?:au|a "
            r"l'|avec le|en meme temps) ?(?:client|consommateur|abonne|bon|contrat|devis)|"
            r"(?:avant|prealablement a) (?:la|sa|toute) (?:signature|conclusion|commande|validation)\b.{0,40}"
            r"(?:remis|communique|pris connaissance|lu)|case a cocher|en cochant"
        ],
    ),
    _rule(
        "R212-1-2",
        [
            r"(?:engagements?|promesses?|declarations?|propos|informations?|indications?|conseils?|assurances?|"
            r"accords?|offres?|remises?|gestes? commerciaux|conditions? (?:particulieres|speciales)|avantages?|"
            r"dires|affirmations?|renseignements?|devis|estimations?)",
            r"(?:preposes?|salaries?|vendeur\w*|commerciaux|commercial|conseill\w*|mandataires?|agents?|"
            r"representants?|collaborat\w*|personnel|employes?|techniciens?|intermediaires?|sous-traitants?|"
            r"courtiers?|franchises?|livreurs?|chauffeurs?|guides?|accompagnateurs?|coachs?|animateurs?|"
            r"moniteurs?|demarcheurs?|teleconseillers?|hotline|apporteurs?|partenaires)",
            r"(?:n'engage\w*|ne (?:sauraient?|saurait|peuvent|peut|pourr\w+) (?:en aucun cas )?(?:engager|lier|"
            r"obliger|etre oppos\w+|valoir|etre invoqu\w+|etre pris en compte)|sans (?:aucune )?valeur|(?:n'ont|"
            r"n'a) (?:aucune|qu'une) (?:valeur|portee|force)|inopposables?|ne (?:lie\w*|oblige\w*)|n'(?:oblige|"
            r"engage|lie)\w*|qu'apres (?:confirmation|validation|accord|approbation) (?:ecrite|expresse|de la "
            r"direction|du siege)|(?:sauf|qu'en cas de|sous reserve d'une?) (?:confirmation|validation|accord|"
            r"approbation|ratification) (?:ecrite|expresse|prealable)|n'ont qu'une valeur indicative|ne valent|"
            r"ne sont pas tenu\w*|n'est pas tenu\w*|n'est (?:nullement|aucunement|pas) lie\w*|decline\w* toute|"
            r"ne repond pas|ne sera (?:pas )?tenu\w*|non (?:contractuel|engageant)\w*|a titre personnel|"
            r"sous (?:leur|sa) seule responsabilite|ne saurait repondre|ne pourra etre tenu\w*|n'engageront)",
        ],
        unless=[
            r"(?:engage|lie|oblige)\w* (?:pleinement )?(?:le|la|l') ?" + PRO + r".{0,20}(?:au meme titre|"
            r"comme)|sont (?:opposables|valables|engageants)|ont la meme valeur"
        ],
    ),
    _rule(
        "R212-1-3",
        [
            r"(?:se reserv\w*|nous reservons|peu(?:t|vent|vons)|pourr\w*|sera (?:libre|fonde|en droit)|est "
            r"(?:libre|autoris\w*|en droit|habilit\w*)|a (?:la faculte|le droit|toute latitude|la possibilite)|"
            r"(?:est|sont|seront|sera) susceptibles? (?:d'etre|de faire)|est (?:expressement )?convenu que)",
            MODIFY,
            PRICE_DURATION_FEATURES,
            UNILATERAL + r"|en cours (?:de contrat|d'abonnement|d'execution|de saison|d'annee|de sejour|de "
            r"formation)|apres (?:la )?(?:commande|signature|conclusion|reservation|souscription|inscription)|"
            r"(?:au jour|a la date) de (?:la livraison|l'intervention|l'execution|la prestation|la facturation)|"
            r"en vigueur au jour de|meme (?:apres|pendant|en cours)|sans que (?:le|l'|la) ?"
            + CONS
            + r" (?:ne )?(?:puisse|puissent|soit|ait)",
        ],
        [
            r"(?:prix|tarifs?|montants?|cotisations?|mensualites?|abonnement|loyer|redevance|frais|caracteristiques|"
            r"duree|programme|itineraire|contenu)",
            r"(?:seront|sera|est|sont) (?:ceux|celui|celles|celle|le prix|les tarifs|fixes?|determines?|calcules?|"
            r"etablis?|applicables?) (?:en vigueur|au jour|a la date|applicables?) (?:au jour|a la date|lors) (?:de|"
            r"du) (?:la )?(?:livraison|intervention|execution|prestation|facturation|depart|expedition|"
            r"enlevement|realisation)",
        ],
        [
            r"(?:prix|tarifs?|montants?|cotisations?|mensualites?|abonnement|loyer|redevance|frais|contenu|"
            r"caracteristiques|duree)",
            r"(?:ne (?:sont|sont donnes?|est donne|est|constitue\w*) qu'(?:a titre )?indicatif\w*|sont donnes? a "
            r"titre indicatif|n'ont qu'une valeur indicative|peuvent (?:varier|evoluer|changer) (?:a tout moment|"
            r"sans (?:preavis|avis|information)))",
        ],
        unless=[
            r"(?:peu(?:t|vent)|pourr\w*|a la faculte de|libre de) (?:alors )?(?:resilier|refuser|annuler|"
            r"mettre fin|se desengager|rompre|renoncer)\w*(?:.{0,60}sans (?:frais|penalite|indemnite))?",
            r"(?:supprimer|retirer|resilier|annuler|cloturer) (?:le |l'|votre |son |leur )(?:abonnement|compte|"
            r"profil|adhesion|contrat|acces)",
            r"(?:avec|apres|moyennant|sous reserve de) (?:l'|son |leur )?(?:accord|consentement|acceptation|"
            r"agrement)(?: expres\w*| ecrit\w*| prealable\w*)*(?: du| de l'| de la| des)? ?" + CONS,
            r"(?:ne (?:peu(?:t|vent)|pourr\w*|sera|seront) (?:pas |en aucun cas |jamais )?(?:etre )?"
            r"(?:modifi|revis|augment|change)\w*)|(?:ferme|fermes|definitif\w*|garanti\w*) (?:et (?:non |"
            r"definitif|ferme)\w*)?(?:pendant|jusqu|pour toute)|bloque\w* (?:pendant|pour)|"
            r"(?:sans aucun|aucun) (?:changement|modification|supplement)",
            r"(?:variation|evolution|modification) (?:du taux |des taux )?(?:de )?(?:la )?tva|taux de tva|"
            r"(?:indice|index) (?:insee|de reference des loyers|irl|syntec|bt01)|formule de revision "
            r"(?:prevue|definie|figurant)|revision (?:annuelle )?(?:selon|en fonction de) l'indice",
        ],
    ),
    _rule(
        "R212-1-4",
        [
            r"(?:seul\w*|exclusivement|souverain\w*|sans appel|definiti\w+|unique\w*|sans recours|"
            r"a (?:sa|notre) seule (?:appreciation|discretion)|discretionnaire\w*|qui s'impose\w*|de maniere "
            r"(?:definitive|irrevocable)|s'impos\w+|irrevocabl\w*|insusceptible|ne (?:peut|pourra|sauraient?) "
            r"(?:etre |faire l'objet d'aucune )?(?:contest|discut|remis\w* en cause))",
            r"(?:jug\w*|appreci\w*|determin\w*|decid\w*|decision|interpret\w*|constat\w*|qualifi\w*|statu\w*|"
            r"evalu\w*|estim\w*|avis|diagnostic|expertise|verdict|controle|valid\w*|arbitr\w*|tranch\w*)",
            r"(?:conformite|conforme\w*|defaut\w*|defectu\w+|vices?|qualite|interpretation|sens (?:des|du|de)|"
            r"portee|clauses?|contrat|reclamations?|prestations?|bonne (?:execution|fin)|etat (?:du|des|de)|"
            r"travaux|reparations?|malfacon\w*|reserves?|anomalie\w*|usure|dommages?|degats|non-conformite\w*|"
            r"stipulations|presentes?|litige\w*|responsabilite\w*|origine (?:de la|du) (?:panne|defaut|dommage|"
            r"sinistre)|cause (?:de la|du) (?:panne|defaut|dommage|sinistre)|garantie)",
            r"\b" + PRO + r"\b|\b(?:ses|nos) (?:services?|techniciens?|experts?|equipes?)|notre|son (?:service|"
            r"technicien|expert|atelier)",
        ],
        unless=[
            r"(?:expert|expertise|technicien|tiers) (?:independant|contradictoire|judiciaire|agree|choisi "
            r"d'un commun accord)|contradictoire\w*|commun accord|en presence (?:du|de l') ?"
            + CONS
            + r"|(?:peut|pourra) (?:contester|demander une contre-expertise|saisir)|sous (?:le )?controle du juge"
        ],
    ),
    _rule(
        "R212-1-5",
        [
            r"(?:meme|y compris|quand bien meme|alors meme|independamment|quelle que soit|quel que soit|quels "
            r"que soient|quelles que soient|y compris|nonobstant|sans egard|peu importe|malgre)",
            NONPERF,
            r"(?:rest\w* (?:du|dus|due|dues|exigible\w*|acquis\w*|integralement|entierement|redevable\w*|"
            r"payable\w*)|demeur\w* (?:du|dus|due|dues|exigible\w*|acquis\w*|redevable\w*)|(?:sont|est|seront|sera) "
            r"(?:du|dus|due|dues|exigible\w*|acquis\w*|payable\w*)|tenu\w* (?:de|d') (?:payer|regler|verser|"
            r"s'acquitter|honorer|poursuivre|continuer|prendre livraison|reception\w*)|(?:doit|devra|doivent|"
            r"devront|est oblige\w*|sera oblige\w*) (?:de )?(?:continuer a )?(?:payer|regler|verser|s'acquitter|"
            r"honorer|acquitter|prendre livraison|poursuivre)|ne (?:dispense\w*|libere\w*|suspend\w*|exonere\w*|"
            r"autorise\w*|permet\w*|justifie\w*|donne\w* (?:pas )?(?:droit|lieu))|pas de (?:remboursement|"
            r"suspension|report|reduction|avoir)|aucun\w* (?:remboursement|suspension|report|reduction|avoir|"
            r"diminution|retenue)|continu\w* (?:a etre )?(?:preleve|factur|du|paye)\w*|(?:sera|seront|restera|"
            r"resteront) (?:preleve|factur|encaiss|paye)\w*|sans pouvoir (?:suspendre|retenir|differer|"
            r"reduire|refuser))",
        ],
        [
            r"(?:ne (?:peut|pourra|saurait|sauraient|peuvent|pourront) (?:en aucun cas |jamais |pas )?"
            r"(?:suspendre|differer|retenir|reduire|refuser|diminuer|bloquer|reporter|echelonner|consigner|"
            r"conditionner|subordonner|retarder)|(?:interdiction|impossibilite) de (?:suspendre|retenir|differer)|"
            r"s'interdit de (?:suspendre|retenir|differer)|sans pouvoir (?:suspendre|retenir|differer|opposer))",
            r"(?:paiement\w*|reglement\w*|versement\w*|echeances?|mensualit\w*|cotisation\w*|loyers?|"
            r"prelevements?|solde|factures?|redevance\w*|sommes?|prix)",
            NONPERF + r"|(?:motif|pretexte|raison) (?:de|d'une?|tire\w*)|reclamation|contestation|litige|"
            r"(?:exception|excuse) d'inexecution|meme en cas|sous aucun pretexte",
        ],
        unless=[
            r"(?:sauf|hors|excepte|a l'exception d\w*) (?:en cas )?(?:de )?(?:faute|manquement|retard|"
            r"inexecution|non-livraison|defaut) (?:du|de la|de l'|imputable)|proportion\w* (?:au|a la) (?:duree|"
            r"periode)|prorata|au prorata|rembours\w* (?:au prorata|proportionnel)|report\w* (?:de|du|des) "
            r"(?:la|l'|l) ?(?:abonnement|cotisation|echeance)|prolong\w* d'autant|sera (?:suspendu|"
            r"prolonge|reporte|rembourse)|seront (?:suspendu|prolonge|reporte|rembourse)\w*|avoir (?:equivalent"
            r"|correspondant)|(?:imputable|due?) (?:au|a l') ?" + CONS
        ],
    ),
    _rule(
        "R212-1-6",
        [
            r"(?:(?:n'est|ne (?:sera|saurait|sauraient|peut|pourra|pourrait|pourront|peuvent|serait|seront|"
            r"sommes|serons|saurions)|ne (?:pourra|pourront|peut|peuvent|saurait|sauraient) en aucun cas|n'assum\w*|"
            r"decline\w*|exclu\w*|exonere\w*|degage\w*|dechar\w*|s'exonere\w*|aucune?|en aucun cas|nous ne sommes|"
            r"n'engage\w* pas|n'endoss\w*)"
            r".{0,60}"
            r"(?:responsab\w+|garant\w*|indemni\w+|dommages?|rembours\w*|dedommag\w+|reparation|prejudice|"
            r"compensation|recours)|sans (?:aucune? )?(?:responsabilite|indemnite|indemnisation|dedommagement|"
            r"compensation|recours contre)|(?:sous|aux) (?:la )?(?:seule|propre|entiere)s? (?:responsabilite|"
            r"risques?)|(?:aux|a ses|a vos) (?:risques et perils|propres risques|seuls risques)|"
            r"(?:n'ouvre|ne (?:donne|donnera|ouvrira|saurait ouvrir|saurait donner|peut donner|pourra donner)\w*) "
            r"(?:pas |aucun |jamais |en aucun cas )?(?:droit|lieu) a (?:aucun\w* |une quelconque |un quelconque |"
            r"des )?(?:indemni\w+|dommages|dedommag\w+|reparation|compensation|remboursement)|"
            r"(?:aucun|aucune|nul) (?:dedommag\w+|indemni\w+|compensation|remboursement|reclamation|recours)"
            r".{0,40}(?:ne sera|ne pourra|n'est|ne peut|exigible|possible|accorde\w*|du|due|dus))",
            r"(?:retard|perte\w*|vol\w*|dommage\w*|degat\w*|detérior\w*|deterior\w*|panne\w*|interruption\w*|"
            r"dysfonctionnement\w*|erreur\w*|defaut\w*|prejudice\w*|annulation\w*|casse|incident\w*|accident\w*|"
            r"consequence\w*|suppression\w*|indisponibilit\w*|objets?|effets personnels|bagages?|vehicules?|"
            r"donnees|manquement\w*|inexecution|mauvaise execution|malfacon\w*|qualite|blessure\w*|fuite\w*|"
            r"coupure\w*|interventions?|travaux|intrusion\w*|piratage|contenus?|virus|changements?|modifications?|"
            r"direct\w*|indirect\w*|quelle que soit|de quelque nature|en cas de|pour (?:tout|toute|les|le|la))",
        ],
        [
            r"(?:responsabilite|indemnisation|indemnite|reparation|dedommagement|garantie|remboursement|"
            r"compensation|dommages(?:-| et )interets)",
            r"(?:limite\w*|plafonne\w*|ne (?:pourra|saurait|peut|sauraient|pourront|peuvent|pourrait) "
            r"(?:en aucun cas |jamais )?(?:exceder|depasser|etre superieure?s?|aller au-dela)|ne depasser\w*|"
            r"n'excede\w*|ne (?:saurait|pourra) exceder|(?:au|a) (?:seul|simple|maximum|plus)|reduite?s? (?:a|au)|"
            r"se limite\w*|est limitee?|sont limitees?|cantonne\w*|restreinte?s?|forfaitaire\w*|dans la limite "
            r"(?:de|du|d'un|des)|plafond)",
            r"(?:\d|montant|prix|valeur|remboursement|echange|remplacement|reparation|avoir|bon d'achat|"
            r"mensualit|abonnement|somme|cotisation|frais|euros?|€|forfait|mois|geste)",
        ],
        unless=[
            r"\b" + CONS + r"\b.{0,80}(?:versera|paiera|reglera|devra (?:verser|payer|regler)|sera redevable|"
            r"est redevable|sera facture|acquittera)",
            r"force majeure|cas fortuit|faute (?:exclusive )?(?:du|de l'|de la|de votre|de son) ?"
            + CONS
            + r"|fait (?:imprevisible et insurmontable )?(?:d'un|du|des) tiers|(?:imputable|"
            r"attribuable) (?:au|a l'|a la|a votre) ?" + CONS + r"|(?:dans (?:les|la) (?:limites?|mesure)|"
            r"conformement (?:a|aux)|sous reserve (?:de|des)) (?:la loi|l'article|les dispositions|"
            r"la reglementation|des dispositions legales|du droit)|sans prejudice (?:de|des|du)|"
            r"(?:sauf|hors|excepte) (?:en cas de )?(?:faute|dol|negligence|manquement)|(?:mauvaise|"
            r"mauvais) (?:utilisation|usage|entretien)|(?:utilisation|usage) (?:non conforme|anormal|"
            r"abusif)|(?:ne (?:limite|exclut|affecte)|n'(?:exclut|affecte|ecarte)) (?:pas|en rien|aucunement)|"
            r"(?:conserve|conservez|beneficie\w*) (?:de )?(?:l'ensemble de )?(?:ses|vos|les) droits|"
            r"responsabilite (?:pleine et )?entiere",
        ],
    ),
    _rule(
        "R212-1-7",
        [
            r"(?:ne (?:peut|pourra|saurait|sauraient|peuvent|pourront|pourrait|saura) (?:en aucun cas |jamais |"
            r"pas |pour autant )?|aucun\w*|en aucun cas|interdit\w*|impossib\w+|exclu\w*|ne (?:donne|donnera|ouvre|"
            r"ouvrira|autorise|autorisera|justifie|justifiera|permet|permettra|constitue|constituera|sauraient "
            r"justifier|saurait justifier|saurait constituer|saurait autoriser)\w*(?: pas| en aucun cas| jamais)? ?|"
            r"(?:renonce|renoncez|s'interdit|s'interdisent|sans pouvoir|n'autorise\w* pas|pas le droit|"
            r"n'est pas (?:un |une )?(?:motif|cause)|ne constitue pas (?:un|une) (?:motif|cause))).{0,60}"
            r"(?:resili\w*|resolution|resoudre|annul\w*|mettre fin|rompre|rupture|denonc\w*|se desengager|"
            r"desengagement|retracter|renoncer au contrat|sortir du contrat|se delier)",
            NONPERF + r"|(?:meme|y compris|quand bien meme) (?:si|lorsque|en cas)|quel qu'en soit le motif|"
            r"pour quelque (?:motif|raison|cause) que ce soit|quelle qu'en soit la (?:cause|raison)",
        ],
        unless=[
            r"(?:sauf|hors|excepte) (?:en cas )?(?:de )?(?:retard|faute|manquement|inexecution|defaut|"
            r"non-livraison)|(?:peut|pourra|peuvent|pourront|a la faculte de|est en droit de|dispose du "
            r"droit de) (?:alors |immediatement |de plein droit )?(?:resilier|resoudre|annuler|mettre fin|"
            r"rompre|denoncer)|droit de resilier (?:sans frais|sans penalite|de plein droit)|"
            r"(?:force majeure)(?!.{0,40}(?:meme|y compris))"
        ],
    ),
    _rule(
        "R212-1-8",
        [
            r"\b" + PRO + r"\b|\bnous\b|(?:la|notre) direction",
            r"(?:peu(?:t|vent|vons)|pourr\w*|se reserv\w*|nous reservons|a (?:la faculte|le droit|toute latitude|"
            r"la possibilite)|est (?:libre|en droit|autorise\w*|fonde\w*)|sera (?:libre|en droit|autorise\w*)|"
            r"(?:est|sera|seront|sont) (?:libre|habilite)\w*|(?:resiliera|resilie|mettra fin|met fin|cloture\w*|"
            r"rompra))",
            TERMINATE + r"|suspendre (?:definitivement )?(?:le|l'|la|votre|son) (?:contrat|abonnement|adhesion|"
            r"compte|carte|acces)|(?:supprimer|desactiver|fermer) (?:le|votre|son|tout) compte|exclure (?:le|l'|"
            r"tout|un) ?(?:membre|adherent|eleve|client|participant)|radier|mettre un terme",
            r"(?:a tout moment|a tout instant|sans (?:motif|justification|raison|explication|avoir a (?:se )?"
            r"justifier|avoir a (?:en )?(?:donner|fournir|indiquer|motiver))|a (?:sa|son|notre|leur) (?:seule |"
            r"entiere |libre |pleine |totale )?(?:discretion|convenance|appreciation|gre|initiative)|pour "
            r"(?:quelque|tout|toute) (?:motif|raison|cause)|quel qu'en soit le motif|quelle qu'en soit la (?:raison|"
            r"cause)|librement|comme bon (?:lui|nous|leur) semble|discretionnaire\w*|unilateralement|"
            r"ad nutum|pour convenance|si (?:elle|il|nous) l'estim\w*|s'(?:il|elle)s? l'estim\w*|s'(?:il|elle)s? "
            r"le (?:souhait|desir|jug)\w*|selon (?:son|notre) bon vouloir|des qu'(?:il|elle) le souhaite|sans "
            r"(?:avoir a )?motiver|non motive\w*|sans delai ni motif|sans raison)",
        ],
        unless=[
            r"chacune des (?:deux )?parties|(?:l'une ou l'autre|l'une quelconque) des parties|les (?:deux )?"
            r"parties (?:peuvent|pourront|disposent)|(?:dans les memes conditions|de la meme maniere|"
            r"reciproquement|egalement|au meme titre|meme droit|meme faculte).{0,60}"
            + CONS
            + r"|"
            + CONS
            + r".{0,60}(?:dispose\w* (?:du|de la) meme|beneficie\w* (?:du|de la) meme|peu(?:t|vent) "
            r"egalement|a egalement|ont egalement)"
        ],
    ),
    _rule(
        "R212-1-9",
        [
            TERMINATE + r"|annul\w*|suspen\w*|cloture\w*|fermeture|interruption (?:definitive|du service)|"
            r"exclusion|radiation|arret (?:du|de la|des|definitif)",
            r"(?:\b" + PRO + r"\b|\bnous\b|(?:a (?:son|notre|l') ?initiative|de (?:son|notre) fait|(?:decid\w*|"
            r"prononc\w*|decidee?s?|prononcee?s?) par (?:le|la|l'|nos|ses|notre) ?(?:" + PRO[3:-1] + r"|"
            r"direction|services?)))",
            r"(?:conserv\w*|retien\w*|reten\w*|retient|gard\w*|rest\w* acquis\w*|demeur\w* acquis\w*|(?:sont|est|"
            r"seront|sera) (?:definitivement )?acquis\w*|sans (?:aucun |que le |qu'aucun )?rembours\w*|ne "
            r"(?:donne\w*|ouvr\w*|entraine\w*|saurait donner|pourra donner) (?:pas |aucun |jamais |en aucun cas "
            r")?(?:lieu|droit) a (?:aucun |un quelconque |la )?(?:rembours\w*|restitution|indemni\w*)|aucun\w* "
            r"(?:rembours\w*|restitution)|ne (?:sera|seront|pourra|pourront) (?:pas |en aucun cas |jamais )?"
            r"(?:etre )?(?:rembours|restitu|rendu)\w*|non rembours\w*|pas (?:de )?rembours\w*|perdu\w*|"
            r"n'(?:est|sont|ouvre|entraine|donne) (?:pas |aucun |jamais )?(?:rembours|restitu|lieu a)\w*)",
        ],
        unless=[
            r"au prorata|prorata temporis|rembours\w* (?:des sommes |de la partie |du |de la )?(?:trop|"
            r"correspondant|non (?:consommee?|utilisee?|executee?)|restant|non echu)|(?:sommes|montants|"
            r"mois|prestations|periode|seances|cours)\w* (?:non|restant a|restant) (?:consomm|utilis|execut|"
            r"courir|effectu|realis)\w*.{0,40}(?:seront|sera|sont|est) (?:integralement |"
            r"immediatement )?(?:rembours|restitu)\w*|faute (?:grave )?(?:du|de l'|de la) ?"
            + CONS
            + r"|(?:manquement|defaut de paiement|impaye|fraude|infraction|violation)\w* (?:grave |"
            r"repete\w* |avere\w* )?(?:du|de l'|de la|par le|par la|commis)|(?:a l'initiative|a la "
            r"demande|du fait) (?:du|de l'|de la) ?" + CONS
        ],
        check=lambda f: (
            not re.search(
                r"(?:annul\w*|renonc\w*|desist\w*|resili\w*|retract\w*) (?:par|de|du fait) (?:le|la|l'|du|de l') ?"
                + CONS,
                f,
            )
        ),
    ),
    _rule(
        "R212-1-10",
        [r"preavis|prevenance|(?:au moins|minimum|au plus tard|au minimum) .{0,20}avant"],
        check=_notice_consumer_longer,
    ),
    _rule(
        "R212-1-11",
        [
            TERMINATE + r"|(?:se|vous) desinscri\w*|quitter (?:le|la|l') ?(?:club|contrat|service|formule|"
            r"abonnement)|desabonne\w*|desengag\w*|arret\w* (?:son|votre|de l') ?(?:abonnement|adhesion|contrat)",
            r"\b" + CONS + r"\b",
            r"(?:indemnit\w*|frais (?:de |d')?(?:resiliation|rupture|sortie|cloture|dossier|gestion|fermeture|"
            r"desinscription|depart|fin de contrat|resiliation anticipee)|penalit\w*|somme forfaitaire|"
            r"forfait (?:de |d')?(?:sortie|resiliation|cloture|rupture|depart)|dedit|(?:versement|paiement|"
            r"reglement) (?:d'une?|de la|des|du) ?(?:somme|indemnite|montant|mois|cotisation\w*|mensualit\w*|"
            r"frais|redevance\w*|penalite|forfait|echeance\w*)|(?:verser|payer|regler|acquitter|s'acquitter|"
            r"redevable|sera redevable|sera facture\w*|seront facture\w*|sera "
            r"preleve\w*|reste\w* due?s?).{0,60}(?:somme|indemnite|montant|mois|cotisation\w*|mensualit\w*|"
            r"frais|redevance\w*|penalite|forfait|euros|€|\d+ ?%|echeance\w*|loyers?|totalite|integralite))",
        ],
        unless=[
            r"(?:sans|aucun\w*|ni|pas de|gratuit\w*|sans aucun\w*) (?:frais|indemnit\w*|penalit\w*|"
            r"cout|pénalite|contrepartie)|gratuite?m?e?n?t?\b|(?:frais|indemnit\w*|penalit\w*).{0,20}"
            r"(?:ne (?:sera|seront|peut|pourra)|n'est) (?:pas |aucunement |en aucun cas )?(?:du|dus|due|"
            r"dues|exigib|applicab|factur|demand|reclam)|(?:durant|pendant|avant|au cours de) (?:la|sa|une) "
            r"(?:periode|duree) (?:initiale |minimale )?d'engagement|avant (?:le )?(?:terme|la fin|"
            r"l'echeance)|(?:duree|periode) (?:ferme|determinee|minimale|initiale)|engagement de \d+ mois|"
            r"(?:\d+|douze|vingt-quatre|six) (?:premiers )?mois d'engagement|l\. ?224-28|"
            r"frais (?:reellement|effectivement) (?:supportes|exposes|engages)|(?:fournis|remis|livre)\w* "
            r"(?:du|des|de l') ?(?:materiel|equipement|box|decodeur)|restitu\w* (?:du|des|de l'|le|les) "
            r"(?:materiel|equipement|box|decodeur)|(?:materiel|equipement|box|decodeur) non restitu"
        ],
    ),
    _rule(
        "R212-1-12",
        [
            r"(?:charge de (?:la )?preuve|(?:c'est|il appartient|il incombe|il revient|il reviendra|il "
            r"appartiendra|il incombera|revient|incombe|appartient|reviendra|incombera|appartiendra) (?:au|a l'|"
            r"a la|a votre|a chaque|aux) ?" + CONS + r"(?: .{0,40})? (?:de |d')?(?:prouver|demontrer|etablir|"
            r"rapporter|apporter|justifier|fournir la preuve|produire la preuve)|" + CONS + r"\w* (?:devra|doit|"
            r"devront|doivent|aura a|auront a|sera tenu\w* de|est tenu\w* de|seront tenus de|sont tenus de|lui "
            r"appartiendra de|a la charge de|supporte\w* la charge de|s'engage\w* a) (?:prealablement |"
            r"lui-meme |elle-meme |alors |imperativement |seul |seule )?(?:prouver|demontrer|etablir|rapporter "
            r"la preuve|apporter la preuve|fournir la preuve|produire la preuve|justifier|faire la preuve|"
            r"faire la demonstration)|a defaut (?:de (?:preuve|demonstration|justification)|pour (?:le|l'|la) ?"
            + CONS
            + r" (?:de|d') (?:prouver|demontrer|etablir|justifier)))",
            r"(?:preuve|prouv\w*|demontr\w*|etabli\w*|justifi\w*|demonstration)",
        ],
        [
            r"(?:presum\w*|repute\w*|considere\w*|tenu\w* pour|suppose\w*) .{0,40}(?:imputable|due?s? (?:a|au)|"
            r"causee?s? par|resultant (?:d'une?|de la|du)|provenir|avoir ete cause|responsable\w*|fautif\w*|"
            r"(?:avoir |ont |a )?(?:ete )?(?:bien )?(?:recu|livre|accepte|execute|consomme|utilise)\w*)",
            r"\b" + CONS + r"\b",
            r"(?:sauf (?:(?:a|si) (?:ce que )?(?:le |l'|la )?" + CONS + r".{0,30})?(?:preuve|prouver|demontrer|"
            r"justifier|etablir)|jusqu'a preuve|a moins que (?:le |l'|la )?" + CONS + r"\w* (?:ne )?(?:prouve|"
            r"demontre|justifie|etablisse|apporte))",
        ],
        unless=[
            r"justifi\w* (?:de )?(?:son|sa|ses|leur|leurs|votre|vos) (?:identite|domicile|age|adresse|situation|"
            r"statut|qualite|revenus?|ressources|droit|eligibilite|inscription|emploi|handicap)|"
            r"(?:piece d'identite|justificatif de domicile|carte d'etudiant|certificat medical)|"
            r"(?:preuve|charge de la preuve) (?:incombe|appartient|pese|repose) (?:au|a l'|a la|sur (?:le|la|l'))"
            r" ?" + PRO
        ],
    ),
    # ---- R. 212-2: grey list ------------------------------------------------------------------------
    _rule(
        "R212-2-1",
        [
            r"(?:ferme\w*|definiti\w+|irrevocabl\w*|engage\w* (?:definitivement|fermement|irrevocablement|des|a "
            r"compter|des a present)|lie\w* (?:des|definitivement)|(?:vaut|constitue|emporte|vaudra) "
            r"(?:engagement|commande|contrat|acceptation)|(?:le|l'|la) ?" + CONS + r" (?:est|sera|reste) "
            r"(?:engage|lie)\w*|des (?:la|sa) (?:signature|commande|validation|inscription|reservation)|"
            r"ne (?:peut|pourra) plus (?:etre )?(?:annul|retir|revoqu)\w*)",
            r"(?:(?:sous reserve|qu'apres|qu'a (?:compter|reception|partir|la date)|a condition) (?:de|d'|que)? ?"
            r"(?:son |l'|la |sa |leur |notre )?(?:acceptation|validation|confirmation|agrement|accord|approbation|"
            r"ratification|decision|verification|disponibilit\w*)|(?:apres|des|sauf|lors de) (?:son |l'|la |sa |"
            r"notre )?(?:acceptation|validation|confirmation|agrement|approbation|ratification) (?:ecrite )?(?:par|de) "
            r"(?:le|la|l'|ses|nos|notre|son)|(?:a|selon) (?:sa|notre|leur) (?:seule |libre |entiere )?(?:discretion|"
            r"convenance|appreciation|volonte)|(?:s'(?:il|elle)s?|si (?:nous|elle|il)) (?:le juge\w*|l'accept\w*|"
            r"le souhait\w*|le decid\w*|l'estim\w*|le peut|est en mesure)|\b" + PRO + r"\w* (?:reste|demeure|"
            r"restera|demeurera|sera) (?:libre|maitre|seul juge)|(?:se reserve|reserve) (?:le droit|la faculte|"
            r"la possibilite) (?:d'accepter|de refuser|de (?:ne pas )?donner suite|de valider|de confirmer|"
            r"d'annuler la commande)|(?:ne (?:sera|devient|deviendra|engage\w*|lie\w*|sera tenu\w*|sera engage\w*)"
            r"|n'(?:engage|est engage|est tenu|est lie)\w*).{0,40}qu'(?:apres|a (?:compter|partir|reception|la)|"
            r"une fois|lors|si|au moment)|(?:sans|aucun\w*) (?:engagement|garantie) (?:de (?:sa|notre) part|"
            r"(?:du|de la|de l') ?" + PRO + r")|(?:sans|aucun) (?:engagement|obligation) (?:de|d') (?:sa|notre|"
            r"leur) part|(?:sous reserve|selon|en fonction) (?:de|des) (?:ses|nos|leurs) (?:disponibilites|"
            r"possibilites|stocks|contraintes|capacites|approvisionnements))",
        ],
        unless=[
            r"(?:dans un delai de|sous) (?:\d+|huit|quinze|deux|trois|cinq|sept|dix) (?:jours|heures)\b.{0,60}"
            r"(?:a defaut|faute de|sans reponse|passe ce delai).{0,60}(?:annul|caduc|rembours|libere|degage)\w*|"
            r"(?:a defaut|en l'absence) (?:de|d') (?:acceptation|confirmation|validation).{0,80}(?:caduc|annul|"
            r"libere|rembours|degage)\w*|(?:le|l'|la) ?" + CONS + r" (?:peut|pourra) (?:annuler|retirer|"
            r"revoquer|se retracter)|droit de retractation|delai de retractation"
        ],
    ),
    _rule(
        "R212-2-2",
        [
            r"(?:acompte\w*|arrhes|versements?|sommes? (?:deja )?versee?s?|avances?|depots?|reservation|"
            r"(?:paiement|versement|reglement) (?:initial|d'avance|a la commande|anticipe)|premier versement|"
            r"somme (?:deja )?(?:versee|payee|reglee)|montant (?:deja )?(?:verse|paye|regle)|frais d'inscription|"
            r"droits? d'inscription|cotisation annuelle|caution)",
            r"(?:conserv\w*|gard\w*|retenu\w*|retien\w*|acquis\w*|perdu\w*|ne (?:sera|seront|pourra|pourront|"
            r"peut|peuvent) (?:pas |en aucun cas |jamais |faire l'objet d'aucun )?(?:etre )?(?:rembours|restitu|"
            r"rendu)\w*|non (?:rembours|restitu)\w*|aucun\w* (?:rembours|restitution)\w*|sans (?:aucun )?"
            r"(?:rembours|restitution)\w*|pas de (?:rembours|restitution)\w*|(?:est|sont|reste|restent|sera|"
            r"seront) (?:definitivement )?(?:acquis|conserv|gard|encaiss|perdu)\w*|(?:a titre|titre) "
            r"(?:d'indemnite|de dedit|de dedommagement|forfaitaire))",
            r"(?:annul\w*|renonc\w*|desist\w*|dedit|retract\w*|(?:ne )?donn\w* pas suite|abandon\w*|rupture|"
            r"(?:ne (?:se presente|vient|participe)|absence|non[- ]presentation|defection)|change\w* d'avis|"
            r"decid\w* de ne|(?:ne )?(?:souhaite|veut) plus|report\w*|desinscri\w*|resili\w*)",
        ],
        unless=[
            r"(?:double|au double|deux fois (?:le|leur) montant|indemnite (?:d'un montant )?(?:equivalent|egal)\w*|"
            r"montant (?:equivalent|identique)|meme montant|reciproque\w*)",
            r"(?:annul\w*|renonc\w*|resili\w*|rupture) (?:du fait |a l'initiative |de la part )?(?:du|de la|de "
            r"l'|par le|par la|par l') ?(?:" + PRO[3:-1] + r")\b.{0,80}(?:conserv|gard|acquis|rembours)",
            r"(?:integralement |entierement )?rembours\w* (?:dans|sous|integralement|en totalite|sans)|"
            r"(?:seront|sera) (?:integralement )?(?:rembours|restitu)\w*(?! que)|(?:hors|sauf|excepte) "
            r"(?:les )?frais (?:reellement|effectivement) (?:engages|exposes)",
        ],
    ),
    _rule(
        "R212-2-3",
        [
            r"(?:indemnit\w*|penalit\w*|frais|clause penale|majoration\w*|dedit|somme forfaitaire|dommages(?:-| et )"
            r"interets|interets de retard|amende|surcout|supplement|forfait|retenue|facturation)",
            r"(?:retard\w*|defaut (?:de )?(?:paiement|restitution|reglement|presentation)|non[- ]?(?:paiement|"
            r"respect|restitution|presentation|retour)|defaillance|manquement|annul\w*|impaye\w*|inexecution|"
            r"ne (?:respecte|restitue|paie|paye|rend|reglerait|se presente)\w*|(?:absence|oubli|perte|"
            r"degradation|deterioration|depassement|rejet) (?:de|du|d'un|d'une|des)|incident\w* de paiement|"
            r"(?:echeance|mensualite|prelevement|cheque)\w* (?:impaye|rejete|refuse)\w*|resili\w*|rupture|"
            r"desistement|renonciation)",
        ],
        check=_heavy_penalty,
        unless=[
            r"(?:trois fois le taux d'interet legal|taux d'interet legal|l\. ?441-10|d\. ?441-5)",
            r"(?:penalit\w*|indemnit\w*|frais) (?:de |d')?(?:annulation|resiliation)? ?(?:ne (?:sera|seront|pourra|"
            r"pourront) (?:pas |jamais |en aucun cas )?(?:exceder|depasser|etre superieur\w*))",
            r"(?:par|a la charge du|du fait du|de la part du|imputable au) (?:" + PRO[3:-1] + r")\b"
            r".{0,60}(?:verser\w*|rembours\w*|indemnis\w*)",
        ],
    ),
    _rule(
        "R212-2-4",
        [
            r"(?:\b" + PRO + r"\b|\bnous\b|(?:la|notre) direction)",
            r"(?:peu(?:t|vent|vons)|pourr\w*|se reserv\w*|nous reservons|a (?:la faculte|le droit)|est (?:libre|en "
            r"droit|autorise\w*|fonde\w*)|sera (?:en droit|libre|autorise\w*)|(?:resiliera|resilie|mettra fin|"
            r"met fin|cloture\w*|suspend\w*|interromp\w*))",
            TERMINATE + r"|suspendre (?:le|l'|la|votre|son) (?:contrat|abonnement|adhesion|compte|service|acces)|"
            r"(?:supprimer|desactiver|fermer|bloquer) (?:le|votre|son|tout|l') ?(?:compte|acces|abonnement)|"
            r"interrompre (?:le|la|l'|les) (?:service|fourniture|prestation|contrat|abonnement)|"
            r"exclure (?:le|l'|tout|un) ?(?:membre|adherent|eleve|client|participant)|radier",
            r"(?:sans (?:aucun )?(?:preavis|delai|prevenance|mise en demeure|avertissement|notification prealable|"
            r"information prealable|prevenir|en (?:avertir|aviser|informer))|(?:avec effet|de maniere|a effet|"
            r"avec prise d'effet) immediat\w*|immediatement|sur[- ]le[- ]champ|(?:preavis|delai) (?:de |d')?"
            r"(?:\d+|un|deux|trois|quatre|cinq|sept|huit|quarante-huit|vingt-quatre) (?:heures?|jours?)\b(?! ?"
            r"(?:calendaires )?(?:apres|suivant) (?:une|la|l') mise en demeure)|du jour au lendemain|par simple "
            r"(?:courriel|mail|e-mail|notification|message|sms|appel))",
        ],
        unless=[
            r"(?:manquement|faute|violation|infraction|fraude|defaut de paiement|impaye\w*|non-paiement|"
            r"comportement|agissement|usage (?:frauduleux|abusif|illicite)|utilisation (?:frauduleuse|abusive|"
            r"illicite)|atteinte|menace|violence|injure|harcelement|securite)\w*",
            r"chacune des (?:deux )?parties|(?:l'une ou l'autre|l'une quelconque) des parties",
            r"(?:preavis|delai) (?:raisonnable|de (?:deux|trois|\d{2,}) mois|d'un mois)",
        ],
    ),
    _rule(
        "R212-2-5",
        [
            r"(?:ced\w*|transfer\w*|transmet\w*|transmettre|substitu\w*|apport\w*|cession|deleg\w*|transport\w* "
            r"(?:le|les|ses)|reprise du contrat|faire reprendre)",
            r"(?:contrat|droits et obligations|presentes?|abonnement|creances?|engagements?|obligations|compte\w*|"
            r"dossier|adhesion|bail|credit|pret|garantie|portefeuille|clientele|fichier)",
            r"(?:sans (?:(?:avoir a )?(?:recueillir |obtenir |solliciter )?(?:l'|son |leur |votre )?"
            r"(?:accord|consentement|"
            r"autorisation|agrement|information|avis|notification|aval|approbation)|avoir a|que (?:le|l'|la|vous) ?"
            + CONS
            + r"|(?:en )?(?:informer|aviser|prevenir|avertir|le prevenir))|librement|a tout moment|a (?:tout|"
            r"un|une) (?:tiers|entite|societe|entreprise|partenaire|organisme|etablissement)|(?:du|de son|de notre) "
            r"choix|(?:accepte|consent|autorise|agree)\w* (?:d'ores et deja|par avance|des a present|des "
            r"maintenant|expressement|sans reserve)|(?:d'ores et deja|par avance|des a present) (?:accepte|"
            r"consent|autorise|agree)\w*|(?:sous|a) (?:sa|notre) seule (?:decision|initiative)|"
            r"(?:filiales?|groupe|partenaires?) (?:de son|de notre)? ?choix)",
        ],
        unless=[
            r"(?:le|l'|la|vous) ?" + CONS + r"\w* (?:ne |n')(?:peut|pourra|peuvent|pourront|est pas|sera pas|a pas)"
            r"|interdit\w* (?:au|a l'|a la) ?" + CONS + r"|(?:le|l'|la) ?" + CONS + r"\w* (?:peut|pourra) "
            r"(?:ceder|transferer|transmettre)|(?:avec|apres|moyennant|sous reserve de) (?:l'|son |leur "
            r"|votre )?(?:accord|consentement|agrement|autorisation) (?:expres\w* |ecrit\w* |prealable\w* )*"
            r"(?:du|de l'|de la|des|de votre)? ?" + CONS + r"|(?:sans|n'entrain\w*|ne (?:peut|pourra|saurait) "
            r"entrainer) (?:aucune )?(?:diminution|reduction|modification|alteration) (?:des|de ses|de vos) "
            r"droits|aux memes conditions|(?:meme|memes) (?:garanties|droits|conditions)|"
            r"(?:pourra|peut) (?:alors )?(?:resilier|mettre fin|s'opposer|refuser) (?:sans frais|sans "
            r"penalite|le contrat)?"
        ],
    ),
    _rule(
        "R212-2-6",
        [
            r"(?:se reserv\w*|nous reservons|peu(?:t|vent|vons)|pourr\w*|sera (?:libre|fonde|en droit)|est (?:libre|"
            r"autoris\w*|en droit|habilit\w*)|a (?:la faculte|le droit|toute latitude|la possibilite)|(?:sont|sera|"
            r"seront|est) susceptibles? (?:d'etre|de faire)|(?:a tout moment|unilateralement))",
            MODIFY,
            TERMS + r"|(?:droits et obligations|modalites (?:de|d') ?(?:paiement|resiliation|fonctionnement|"
            r"acces|utilisation|remboursement|reservation|livraison|garantie|annulation|inscription)|(?:regles|"
            r"conditions) (?:de|d') ?(?:fonctionnement|acces|utilisation|annulation|remboursement|fidelite|"
            r"parrainage|garantie|resiliation|livraison|reservation|inscription|paiement)|(?:politique|"
            r"procedure) (?:de|d') ?(?:remboursement|annulation|retour|confidentialite|utilisation)|garanties)",
            UNILATERAL
            + r"|sans (?:(?:l'|son |leur |votre )?(?:accord|consentement|acceptation)|que (?:le|l'|la) ?"
            + CONS
            + r")|(?:qui|elles|ils) s'appliqu\w* (?:immediatement|des (?:leur|sa) (?:publication|mise en "
            r"ligne))|(?:s'impos\w*|opposables?|applicables?) (?:au|a l'|a la|aux) ?"
            + CONS
            + r"\w* (?:des|a compter de|"
            r"a partir de) (?:leur|sa) (?:publication|mise en ligne|affichage)|(?:vaut|emporte|vaudra|"
            r"implique|entrainera) (?:acceptation|adhesion)|(?:il|elle|vous) (?:appartient|appartiendra|"
            r"incombe) (?:au|a l'|a la)? ?(?:" + CONS[3:-3] + r")? ?(?:de )?(?:consulter|verifier|se tenir informe|"
            r"prendre connaissance)|(?:consulter|verifier) regulierement|en cours (?:de contrat|d'abonnement|"
            r"d'execution)|(?:seule|seules) (?:la|les) (?:version|conditions) (?:en ligne|en vigueur)",
        ],
        unless=[
            r"(?:peu(?:t|vent)|pourr\w*|a la faculte de|libre de|est en droit de) (?:alors )?(?:resilier|refuser|"
            r"annuler|mettre fin|s'opposer)\w*(?:.{0,60}sans (?:frais|penalite|indemnite))?",
            r"(?:avec|apres|moyennant|sous reserve de) (?:l'|son |leur )?(?:accord|consentement|acceptation|"
            r"agrement)(?: expres\w*| ecrit\w*| prealable\w*)*(?: du| de l'| de la| des)? ?" + CONS,
            r"(?:par|sous forme d') (?:un )?avenant (?:signe|ecrit|accepte)|d'un commun accord|"
            r"(?:signe|accepte)\w* par les (?:deux )?parties|ne (?:peu(?:t|vent)|pourr\w*|sera|seront) "
            r"(?:pas |en aucun cas |jamais )?(?:etre )?(?:modifi|change)\w*(?! (?:qu'|que))",
        ],
    ),
    _rule(
        "R212-2-7",
        [
            r"(?:delais?|dates?|duree|calendrier|planning|horaires?|heure)\w*",
            r"(?:indicati\w+|a titre (?:indicatif|informatif|purement indicatif)|approximati\w+|sans engagement|"
            r"n'(?:est|sont|a|ont) (?:pas|nullement|aucunement|qu'une valeur) (?:garanti\w*|imperati\w*|"
            r"contractuel\w*|de rigueur|ferme\w*|engageant\w*|indicati\w*|valeur contractuelle|valeur d'engagement)|"
            r"ne (?:sont|est) (?:donne\w*|communique\w*|fourni\w*|mentionne\w*) qu'a titre|ne (?:constitue|"
            r"constituent) (?:pas|nullement|aucunement) (?:un|des) (?:engagement|delai|date) (?:de rigueur|ferme|"
            r"contractuel)|(?:pas|aucunement|nullement) (?:de rigueur|contractuel\w*)|previsionnel\w*|"
            r"(?:ne sont|n'est) pas (?:garanti|contractuel|impera|de rigueur)\w*|(?:sous|en) reserve (?:de|des) "
            r"(?:disponibilit|approvisionnement|stock|delais? (?:de|du) (?:fabricant|fournisseur|constructeur)))",
            r"(?:livraison|execution|realisation|installation|mise en service|travaux|fabrication|expedition|"
            r"raccordement|intervention|depart|arrivee|retour|chantier|achevement|fin des travaux|remise|"
            r"reparation|prestation|delivrance|montage|pose|activation|ouverture|demarrage|mise a disposition|"
            r"acheminement|portage|livr\w+|expedi\w+|restitution)",
        ],
        unless=[
            r"au plus tard (?:le|dans|a)|date (?:limite|ferme|butoir|impera\w*|garantie)|(?:s'engage|"
            r"nous engageons) a (?:livrer|executer|realiser|installer|intervenir) (?:au plus tard|avant|dans|sous)"
            r"|l\. ?216-1|(?:sont|est) (?:ferme|garanti|impera|contractuel)\w*"
        ],
    ),
    _rule(
        "R212-2-8",
        [
            r"(?:resili\w*|resolution|resoudre|mettre fin|denonc\w*|annul\w*|cloture\w*|rompre|desabonne\w*|"
            r"desinscri\w*|se desengager|arreter (?:son|votre|l') ?abonnement)",
            r"\b" + CONS + r"\b",
            r"(?:(?:uniquement|exclusivement|seulement|qu') (?:par|en|au|sur|au moyen d'une?|lors d'une?|a)|"
            r"(?:acte|exploit) (?:d'huissier|de commissaire de justice)|commissaire de justice|huissier|en personne|"
            r"physiquement|se (?:presenter|deplacer|rendre)|sur place|au (?:siege|guichet|comptoir|bureau|"
            r"club|magasin)|en (?:agence|boutique|magasin|main propre)|formulaire (?:papier|original|specifique|"
            r"dedie)|(?:courrier|lettre) (?:manuscrite|signee de sa main|originale)|(?:a|au cours d'une?|pendant "
            r"une?|dans une?) (?:date|jour|periode|fenetre|semaine|mois|quinzaine) (?:precise|fixe|determine|"
            r"anniversaire|unique|de (?:janvier|decembre|juin|septembre))|(?:entre le|du) (?:\d+|premier|1er) .{0,15}"
            r"(?:et le|au) (?:\d+|dernier)|pieces? justificative\w* (?:originale?s?|certifiee?s?)|(?:accompagne|"
            r"accompagnee) (?:de|d') .{0,40}(?:original|certifie|justificatif|carte|badge|materiel|restitution)"
            r"|(?:restitu\w*|rendu\w*|retourn\w*) .{0,40}(?:prealablement|avant|pour que))",
            r"(?:alors que|tandis que|quand|la ou|lorsque|a peine (?:de|d')|sous peine|faute de quoi|a defaut|sans "
            r"quoi|(?:ne (?:sera|pourra|est) (?:pas )?(?:prise en compte|acceptee|valable|recevable|valide|"
            r"enregistree|traitee|effective))|toute (?:autre|demande)|aucune (?:autre|demande)|\b"
            + PRO
            + r"\b.{0,60}(?:simple|tout moyen|courriel|mail|e-mail|sms|notification|message))",
        ],
        unless=[
            r"(?:ou|egalement|aussi|au choix) (?:par )?(?:courriel|e-mail|mail|en ligne|internet|l'espace client|"
            r"telephone|tout moyen|formulaire en ligne|voie electronique)|par tout moyen|les memes modalites|"
            r"(?:pour|a) chacune des parties|(?:l'une ou l'autre|chacune) des parties"
        ],
    ),
    _rule(
        "R212-2-9",
        [
            r"(?:fait|font|feront|fera) (?:seuls? |seules? |seul |pleinement |exclusivement )?foi|"
            r"(?:seul\w*|uniquement|exclusivement) .{0,40}(?:fait|font|feront|fera|faisant) foi|"
            r"(?:valeur|force) probante (?:exclusive|absolue|irrefragable)|preuve (?:irrefragable|exclusive|"
            r"absolue)|(?:seul|seule|seuls|seules|unique|uniques|exclusif\w*) (?:mode|moyen|element|piece|"
            r"document|preuve)s? (?:de preuve|admis|recevable|probant|valable|pris en compte)|"
            r"(?:aucun\w*|nul\w*) (?:autre )?(?:preuve|mode de preuve|moyen de preuve|element|temoignage|"
            r"document|photo\w*|piece|constat|justificatif|reclamation) .{0,40}(?:(?:ne )?(?:sera|seront|est|sont|"
            r"pourra|pourront) (?:pas )?(?:admis|recevable|accepte|pris en (?:compte|consideration)|retenu|"
            r"opposable|valable)|admis\w*|recevable\w*)|(?:seul|seule|seuls|seules|uniquement|exclusivement|qu') ?"
            r".{0,60}(?:sera|seront|est|sont|pourra|pourront) (?:admis|recevable|accepte|pris en (?:compte|"
            r"consideration)|retenu|valable|opposable)\w* (?:comme|a titre de|en tant que|pour) (?:preuve|"
            r"justificatif|element)|ne (?:sera|seront|pourra|pourront|peut|peuvent) (?:pas )?(?:etre )?(?:admis|"
            r"recevable|accepte|pris en compte|retenu|opposable|produit|invoque)\w* (?:comme|a titre de|en tant "
            r"que|pour) (?:preuve|moyen|justificatif)|(?:exclusivement|uniquement|seulement) (?:au moyen|a "
            r"l'aide|sur la base) (?:de|des|du)|(?:irrefragabl\w*|incontestabl\w*|ne (?:peut|pourra|sauraient?|"
            r"peuvent) (?:etre )?(?:contest|remis\w* en cause|combattu|discut|refut)\w*)"
        ],
        [
            r"(?:enregistrements?|journaux|donnees|registres?|releves?|fichiers|systemes?|logs?|compteurs?|"
            r"constat\w*|bons? de livraison|proces-verbal|pv|tickets?|historique\w*|releves?|mesures?|"
            r"pointages?|badges?|factures?|elements?|archives?|horodatage\w*|ecrits?|documents?|temoignages?|"
            r"photos?|photographies|videos?|preuves?)",
            r"(?:fait|font|feront|fera|faisant|constituent|constitue|constitueront|vaut|valent|vaudront) "
            r"(?:seuls? |seules? |seul |pleinement |exclusivement )?(?:foi|preuve)|valeur probante|"
            r"preuve (?:irrefragable|exclusive|absolue|suffisante)",
            r"(?:seul\w*|uniquement|exclusivement|a l'exclusion|(?:ne|n')\b.{0,30}\b(?:aucun\w*|que)|"
            r"incontestabl\w*|irrefragabl\w*|definiti\w+|(?:entre les parties|en toute hypothese)|"
            r"quelle que soit|nonobstant|ne (?:pourra|peut|sauraient?|pourront) (?:etre )?"
            r"(?:contest|remis\w* en cause|combattu|discut)\w*|sans (?:qu'aucune|que le|possibilite))",
        ],
        unless=[
            r"sauf preuve (?:contraire|du contraire)|jusqu'a preuve (?:du )?contraire|(?:la )?preuve contraire "
            r"(?:peut|pourra|est|reste)|(?:par|au moyen de) tout moyen|tous moyens|par tous moyens|"
            r"(?:peut|pourra) (?:rapporter|apporter|produire) (?:la preuve|tout|toute|par)|"
            r"(?:conformement|en application) (?:a|au|aux) (?:l'article|code civil) ?1366|"
            r"version (?:francaise|originale) (?:fait|fera|font) foi|(?:seul\w*|la) (?:version|texte|"
            r"redaction) (?:en langue )?(?:francaise|original\w*)"
        ],
    ),
    _rule(
        "R212-2-10",
        [
            r"(?:arbitr\w*|tribunal arbitral|sentence arbitrale|instance arbitrale|chambre arbitrale|cour "
            r"d'arbitrage|centre d'arbitrage)",
            r"(?:exclusi\w*|obligatoire\w*|defini\w*|soumi\w*|tranch\w*|regl\w*|resolu\w*|porte\w*|sans appel|"
            r"renonc\w*|seul\w*|devra|devront|doit|doivent|sera|seront|imperativement|sans recours|tout litige|"
            r"tous (?:les )?litiges|tout differend|toute contestation|toute reclamation)",
        ],
        [
            r"(?:renonc\w*|renoncez|interdit\w*|s'interdi\w*|s'engage\w* a ne (?:pas|jamais)|ne (?:pas|jamais) "
            r"(?:engager|intenter|introduire|exercer|former|participer|rejoindre|saisir)|ne (?:peut|pourra|"
            r"pourront|peuvent|saurait|sauraient) (?:pas |en aucun cas |jamais )?(?:engager|intenter|introduire|"
            r"exercer|former|participer|agir|saisir|poursuivre|rechercher|contester|rejoindre|se joindre|"
            r"mettre en cause)|aucun\w* (?:action|recours|poursuite|contestation|reclamation|procedure)|"
            r"(?:forclos|forclusion|prescri\w*|irrecevable\w*|eteinte?s?|caduque?s?|ne sera (?:plus )?(?:recevable|"
            r"admise?|prise en compte|acceptee|traitee|examinee)|ne pourra plus (?:etre )?(?:formee|"
            r"exercee|introduite|engagee|presentee|acceptee|prise en compte)|sera (?:rejetee?|refusee?|"
            r"irrecevable)|seront (?:rejetees?|refusees?|irrecevables))|(?:sous peine|a peine) "
            r"(?:de|d') (?:forclusion|irrecevabilite|decheance|rejet|perte))",
            r"(?:actions?|recours|poursuites?|agir en justice|ester en justice|saisi\w* (?:le|les|un|une|toute|"
            r"des|la) (?:juge|tribunal|tribunaux|juridiction\w*|justice)|en justice|judiciaire\w*|contestation\w*|"
            r"reclamation\w*|action de groupe|action collective|actions? collectives?|class action|litige\w*|"
            r"droit d'agir|voies? de recours|appel|juge|tribunal|tribunaux|procedure\w*)",
        ],
        unless=[
            r"(?:sans prejudice|n'empeche pas|ne prive pas|ne fait pas obstacle|n'interdit pas|conserve\w* "
            r"(?:le droit|la possibilite|la faculte)|reste\w* libre|(?:peut|pourra|peuvent|pourront) "
            r"(?:en tout etat de cause |egalement |toujours )?(?:saisir|agir|engager))",
            r"(?:ne|n') ?(?:peut|pourra|sera) (?:pas )?(?:etre )?(?:impose|obligatoire)\w*|non obligatoire|"
            r"facultati\w*|(?:delai|dans un delai|pendant) (?:de )?(?:deux|2|cinq|5) ans|prescription "
            r"(?:legale|de droit commun)|(?:l'|le) ?" + PRO + r" (?:renonce|s'interdit)",
        ],
    ),
    # ---- L. 612-4 and generic L. 212-1 cases -----------------------------------------------------------
    _rule(
        "L612-4",
        [
            r"(?:mediat\w*|concili\w*|reglement amiable|(?:mode|procedure|voie|phase|tentative|recherche) "
            r"(?:de reglement )?(?:amiable|alternati\w*)|mode alternatif|\bmard\b|ombudsman|(?:tentative|"
            r"recherche) (?:de )?(?:solution|resolution) amiable|resolution amiable|accord amiable|a l'amiable)",
            r"(?:prealabl\w*|obligatoire\w*|avant (?:toute|de|d'|la|une|tout|d'engager|d'introduire|de saisir) ?"
            r"(?:saisine|action|recours|procedure|instance|saisir|engager|introduire|contentieux|poursuite|"
            r"demande|juridiction|tribunal|juge|judiciaire)?|imperati\w+|condition de recevabilite|prerequis|"
            r"prealablement|a peine (?:de|d') (?:irrecevabilite|forclusion|nullite)|sous peine (?:de|d') "
            r"(?:irrecevabilite|forclusion|rejet)|avant toute|en premier lieu|d'abord|necessaire\w*|"
            r"(?:doit|devra|doivent|devront|est tenu\w*|sont tenus|s'oblige\w*|s'engage\w*) (?:obligatoirement |"
            r"imperativement |necessairement |prealablement |en premier lieu |d'abord )?(?:a )?(?:saisir|"
            r"recourir|soumettre|passer|tenter|engager|faire appel|s'adresser|solliciter|mettre en oeuvre))",
            r"(?:tribunal|tribunaux|juge|juridiction\w*|justice|judiciaire\w*|contentieu\w*|action\w*|saisine|"
            r"recours|instance|procedure|poursuite\w*|litige\w*|differend\w*|contestation\w*)",
        ],
        unless=[
            r"(?:n'est pas|n'est nullement|non) (?:obligatoire|un prealable|prealable|imposee?)|faculta\w*|"
            r"(?:le|l'|la) ?" + CONS + r"\w* (?:peut|pourra|a la (?:possibilite|faculte)|est libre|reste libre|"
            r"dispose|conserve)\b(?!.{0,80}(?:doit|devra|obligatoire|imperati|prealabl\w* obligatoire|"
            r"a peine|sous peine))|(?:libre|gratuit\w*) (?:de|d') (?:recourir|saisir)|sans prejudice|"
            r"a tout moment saisir|(?:peut|pourra|peuvent|pourront) (?:egalement |aussi |toujours |"
            r"directement |a tout moment )saisir"
        ],
    ),
    _rule(
        "L212-1-juridiction",
        [
            r"(?:competen\w*|attribu\w* (?:de )?(?:competence|juridiction)|(?:tribunal|tribunaux|juridictions?|"
            r"cours?) (?:de commerce |judiciaires? |competente?s? )?(?:de|du|d'|des) (?:siege|ressort|[a-z\-]+)|"
            r"seules? (?:competent\w*|les juridictions|le tribunal))",
            r"(?:exclusi\w*|seul\w*|expressement|attribu\w*|sera (?:seul )?(?:competent|saisi)|seront (?:seuls )?"
            r"(?:competents|saisis)|devant (?:le|les) (?:tribunal|tribunaux|juridictions?)|soumis\w* (?:au|aux) "
            r"(?:tribunal|tribunaux|juridictions?)|porte\w* devant|relev\w* (?:du|de la|des))",
            r"(?:tribunal|tribunaux|juridiction\w*|cour\w*)",
        ],
        unless=[
            r"domicile (?:du|de l'|de la|de votre) ?(?:" + CONS[3:-3] + r")|(?:votre|son|sa) (?:domicile|"
            r"residence|lieu de residence)|(?:lieu|pays|etat) (?:de|ou) (?:residence|il reside|vous residez|"
            r"il demeur|vous demeurez)|(?:regles|conditions|dispositions) (?:de droit commun|legales|du code "
            r"de procedure|du code de la consommation)|r\. ?631-3|au choix (?:du|de l'|de la) ?(?:"
            + CONS[3:-3]
            + r")|(?:l'une|l'une des) (?:des )?juridictions? (?:territorialement )?competente"
            r"s? (?:en vertu|selon|conformement)|territorialement competente"
        ],
    ),
    _rule(
        "L212-1-loi",
        [
            r"(?:soumi\w*|regi\w*|gouvern\w*|applicable|interpret\w*|regle\w*|relev\w*|execut\w*)",
            r"(?:droit|loi|lois|legislation)s? (?:de l'|de la |du |des |de |d')?(?:etat (?:de |du |d')|province "
            r"(?:de |du )|canton (?:de |du ))?(?:luxembourg\w*|irland\w*|anglais\w*|angleterre|royaume-uni|"
            r"californi\w*|new york|delaware|etats-unis|americain\w*|suisse\w*|belge\w*|belgique|allemand\w*|"
            r"allemagne|neerlandais\w*|pays-bas|singapour\w*|hong kong|chypr\w*|malt\w*|estoni\w*|italien\w*|"
            r"italie|espagnol\w*|espagne|britanni\w*|israel\w*|chin\w*|canad\w*|quebec\w*|monaco|monegasque\w*|"
            r"washington|texas|floride|nevada|ontario|ecoss\w*|danois\w*|danemark|suedois\w*|suede|portugais\w*|"
            r"portugal|autrich\w*|lituani\w*|letton\w*|polonais\w*|pologne|tcheque|grec\w*|grece|bulgar\w*|"
            r"roumain\w*|roumanie|andorr\w*|liechtenstein|gibraltar|jersey|guernesey|iles? vierges)",
        ],
        unless=[
            r"(?:protection|dispositions (?:imperatives|d'ordre public)|regles imperatives|droits? "
            r"imperatifs?) (?:de|du|que|dont|prevues|accordees|conferees|offertes|applicables)|(?:pays|etat) "
            r"(?:de|ou) (?:votre |sa |leur )?(?:residence|vous residez|il reside)|(?:sans|ne) (?:vous )?"
            r"(?:priver|prive)|en plus de|sans prejudice"
        ],
    ),
    _rule(
        "L212-1-contenu",
        [
            r"(?:supprim\w*|retir\w*|effac\w*|moder\w*|desactiv\w*|bloqu\w*|suspend\w*|masqu\w*|refus\w*|"
            r"depublier|censur\w*|modifi\w*|edit\w*)",
            r"(?:contenus?|publications?|avis|commentaires?|messages?|annonces?|photos?|profils?|videos?|"
            r"fichiers?|donnees|documents? (?:publie|heberge|depose|stocke)\w*|creations?|textes?|images?|"
            r"playlists?|listes?|evaluations?)",
            r"(?:a tout moment|sans (?:preavis|motif|justification|notification|avoir a|raison|explication|"
            r"avertissement|prevenir|informer|en informer)|a (?:sa|notre|son) (?:seule |entiere |libre |pleine )?"
            r"(?:discretion|appreciation|convenance|gre)|pour (?:quelque|tout|toute|n'importe quel\w*) (?:raison|"
            r"motif|cause)|librement|comme bon (?:lui|nous) semble|discretionnaire\w*|quel qu'en soit le motif|"
            r"s'(?:il|elle)s? (?:le juge|l'estim)\w*|si nous (?:le jugeons|l'estimons)|qu'(?:il|elle|nous) "
            r"(?:juge|jugeons|estime|estimons) (?:inapproprie|inopportun|non conforme|contraire))",
        ],
        unless=[
            r"(?:manifestement )?illicite\w*|(?:contraire\w*|violation\w*|infraction\w*|atteinte\w*) (?:a|aux|"
            r"de|des) (?:la loi|lois|l'ordre public|droits|dispositions legales)|signalement|notification "
            r"(?:d'un|valable)|decision de justice|injonction|(?:le|l'|la|vous) ?" + CONS + r"\w* (?:peut|"
            r"pourra|peuvent|pourront) (?:supprimer|retirer|modifier|effacer)"
        ],
    ),
    _rule(
        "L221-18",
        [
            r"(?:retractation|se retracter|retracter)",
            r"(?:aucun\w*|pas de|ne (?:beneficie|dispose|peut|pourra|s'applique|sera|saurait|beneficiera|"
            r"disposera)\w*|exclu\w*|renonc\w*|ne s'applique pas|n'est pas applicable|sans (?:droit|possibilite|"
            r"faculte)|(?:reduit|ramene|limite|fixe|porte)\w* a (?:\d|un|deux|trois|quatre|cinq|six|sept|huit|"
            r"dix)\b|(?:de |d')(?:\d|un|deux|trois|quatre|cinq|six|sept|huit|dix) (?:jours?|heures?)\b|"
            r"n'(?:existe|est) pas|ne (?:peut|pourra) (?:pas )?(?:etre )?(?:exerce|invoque)|impossible|"
            r"(?:n'a|n'ont|ne dispose|ne disposent) pas|n'ouvre pas|inapplicable|supprim\w*|non (?:applicable|"
            r"retractable))",
        ],
        unless=[
            r"(?:quatorze|14) jours|l\. ?221-28|(?:conformement|en application) (?:a|de) l'article|"
            r"(?:biens?|produits?|articles?) (?:confectionn|personnalis|nettement personnalis|sur mesure|"
            r"perissab|descell|scelle)\w*|denrees|(?:hebergement|transport|restauration|loisirs?) .{0,40}"
            r"(?:date|periode) determinee|pleinement execute\w*|(?:contenu|contenus) numerique\w* .{0,60}"
            r"(?:renonc|accord prealable)|journaux|periodiques|magazines|enchere\w* publique|"
            r"urgence|(?:entretien|reparation) .{0,30}(?:urgence|sollicit\w* expressement)"
        ],
    ),
    _rule(
        "L217-garantie",
        [
            r"(?:exclu\w*|ecart\w*|renonc\w*|aucune?|sans|ne (?:beneficie|s'applique|couvre|joue|sera|"
            r"saurait)\w*|limite\w* a (?:un|deux|trois|six|quinze|\d+)|reduit\w*|n'est pas|ne s'appliquera|"
            r"sauf|en lieu et place|remplac\w*|se substitu\w*|au lieu (?:de|des))",
            r"(?:garantie\w* (?:legale|de conformite|des vices|contre les vices|legale de conformite)|vices "
            r"caches|toute garantie|aucune garantie|sans garantie|(?:vendu|vendus|vendue|vendues|cede\w*) (?:en "
            r"l'etat|tel quel|tels quels|telle quelle|sans garantie)|garantie (?:commerciale|constructeur|"
            r"contractuelle) .{0,30}(?:remplac|se substitu|tient lieu|exclusiv|seule))",
        ],
        unless=[
            r"(?:sans prejudice|outre|en plus|independamment|en complement|s'ajoute\w*) (?:de|des|du|a) (?:la|les)? ?"
            r"(?:garantie|garanties) (?:legale|de conformite|des vices)|(?:beneficie|beneficiez|dispose|disposez) "
            r"(?:de la|des|de) garantie\w* (?:legale|de conformite)|ne (?:prive|limite|ecarte|exclut) (?:pas|en rien)"
            r"|(?:la|les) garantie\w* legale\w* (?:s'applique|joue|reste|demeure|couvre)|(?:vendeur|professionnel) "
            r"(?:non professionnel|particulier)"
        ],
    ),
)


# When two codes fire on one clause, the left one makes the right one redundant.
SUPERSEDES: dict[str, tuple[str, ...]] = {
    "R212-1-3": ("R212-2-6",),
    "R212-1-8": ("R212-2-4", "L212-1-contenu"),
    "R212-1-9": ("R212-2-2",),
    "R212-1-7": ("R212-1-5",),
    "L612-4": ("R212-2-10",),
    "R212-1-12": ("R212-2-9",),
    "R212-1-11": ("R212-2-3", "R212-1-6"),
    "R212-1-10": ("R212-2-4",),
    "L217-garantie": ("R212-1-6",),
}


@dataclass
class RuleHit:
    """A rule that fired on a clause, with its triggering spans relative to the clause."""

    code: str
    spans: list[Span] = field(default_factory=list)


def apply_rules(text: str) -> list[RuleHit]:
    """Every rule that fires on one clause, redundant codes removed."""
    folded = fold(text)
    hits: list[RuleHit] = []
    for rule in RULES:
        spans = rule.match(folded)
        if spans is not None:
            hits.append(RuleHit(rule.code, _merge(spans)))
    codes = {h.code for h in hits}
    dropped = {d for c in codes for d in SUPERSEDES.get(c, ())}
    return [h for h in hits if h.code not in dropped]


def _merge(spans: list[Span]) -> list[Span]:
    """Sorted spans, overlapping ones merged, each trimmed to at most 80 characters."""
    out: list[Span] = []
    for s, e in sorted(spans):
        e = min(e, s + 80)
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
