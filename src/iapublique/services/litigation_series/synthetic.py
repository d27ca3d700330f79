"""Realistic French requêtes for the demo, the tests and the benchmark, with the series as ground truth.

A corpus mixes series of mass litigation and isolated requêtes (at least half of it). A series has one
kind (:mod:`kinds`), one contested act (its number, date, commune or département), a campaign (the
grounds and conclusions it argues) and an author: template series are filed from one lawyer's or
association's model, only personal data, amounts and a few sentences changing; rewritten series are
written again by several lawyers (synonyms, paragraphs reordered, grounds added or dropped). Some kinds
carry two series against different acts.

The act is no reliable key, as in real registries:

- isolated requêtes often contest the same act as a series (``SAME_ACT_ISOLATED``), with their own grounds,
  an individual situation and sometimes other conclusions;
- every requête cites its act in its own way (``CITATION``): in full, with another date format, without its
  number or date, with a mistyped number, or not at all (« la décision attaquée »);
- two series of one kind can attack the same act (``SHARED_ACT``): two campaigns with other grounds and
  other conclusions;
- an act can be renewed during a series (``RENEWED``): later members cite the new arrêté.

About 10 % of requêtes carry OCR noise; every requête carries varied personal data and often a list of
attachments.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iapublique.services.litigation_series.kinds import GENERIC_GROUNDS, ISOLATED_KINDS, KINDS, SYNONYMS, Kind

TRUTH_COLUMNS: tuple[str, ...] = ("series", "series_style")
"""Truth: the series id (empty for an isolated requête) and its style (« modele » or « reecriture »)."""

COURTS: tuple[str, ...] = (
    "Paris", "Montreuil", "Cergy-Pontoise", "Versailles", "Lyon", "Marseille", "Lille", "Bordeaux", "Toulouse",
    "Nantes", "Rennes", "Strasbourg", "Montpellier", "Grenoble", "Rouen", "Dijon", "Nice", "Melun",
)
DEPARTEMENTS: tuple[str, ...] = (
    "la Gironde", "l'Hérault", "la Loire-Atlantique", "du Nord", "la Seine-Saint-Denis", "du Rhône", "l'Isère",
    "la Somme", "l'Aisne", "la Marne", "du Finistère", "la Haute-Garonne", "l'Aude", "la Vienne", "du Calvados",
    "la Manche", "l'Yonne", "la Sarthe", "du Var", "la Drôme",
)
COMMUNES: tuple[str, ...] = (
    "Saint-Herblain", "Villeurbanne", "Pessac", "Mérignac", "Montauban", "Castelnau-le-Lez", "Rezé", "Bron",
    "Villeneuve-d'Ascq", "Aubervilliers", "Échirolles", "Abbeville", "Épernay", "Quimperlé", "Blagnac",
    "Narbonne", "Châtellerault", "Lisieux", "Granville", "Sens", "Sablé-sur-Sarthe", "Hyères", "Montélimar",
    "Lannion", "Vannes", "Saint-Nazaire", "Cholet", "Dole", "Auxerre", "Figeac",
)
VILLES: tuple[str, ...] = (
    "Brest", "Toulon", "Cherbourg", "Lorient", "Rochefort", "Bordeaux", "Lyon", "Nantes", "Lille", "Rennes",
    "Reims", "Amiens", "Poitiers", "Caen", "Limoges", "Tours", "Angers", "Besançon",
)
PRENOMS: tuple[str, ...] = (
    "Jean", "Marie", "Pierre", "Nathalie", "Karim", "Fatima", "Sébastien", "Isabelle", "Mamadou", "Aïcha",
    "Thomas", "Camille", "Nicolas", "Sophie", "Youssef", "Leïla", "Julien", "Élodie", "Mehdi", "Chantal",
    "Bernard", "Sylvie", "Olivier", "Amina", "Laurent", "Nadia", "François", "Hélène", "Rachid", "Claire",
)
NOMS: tuple[str, ...] = (
    "Martin", "Bernard", "Dubois", "Lefèvre", "Benali", "Nguyen", "Moreau", "Diallo", "Garnier", "Haddad",
    "Rousseau", "Lambert", "Fontaine", "Chevalier", "Traoré", "Mercier", "Boyer", "Le Gall", "Kerbrat",
    "Da Silva", "Perrin", "Morel", "Girard", "André", "Roux", "Meunier", "Bouchard", "Leroy", "Colin", "Vidal",
)
VOIES: tuple[str, ...] = ("rue", "avenue", "boulevard", "impasse", "chemin", "allée", "place", "route")
NOMS_VOIES: tuple[str, ...] = (
    "Victor Hugo", "de la République", "des Lilas", "Jean Jaurès", "du Général de Gaulle", "Pasteur",
    "des Tilleuls", "de la Gare", "Émile Zola", "du Moulin", "des Écoles", "Gambetta",
)
NATIONALITES: tuple[str, ...] = (
    "algérien", "marocain", "tunisien", "malien", "sénégalais", "ivoirien", "comorien", "congolais",
    "haïtien", "turc", "géorgien", "albanais",
)
GRADES: tuple[str, ...] = (
    "infirmier en soins généraux", "aide-soignant", "adjoint administratif principal", "technicien hospitalier",
    "agent des services hospitaliers", "secrétaire médical", "professeur certifié", "attaché d'administration",
)
METIERS: tuple[str, ...] = ("chauffeur livreur", "artisan plombier", "commercial itinérant", "infirmier libéral",
                            "ambulancier", "technicien de maintenance")
ESPECES: tuple[str, ...] = ("alouette des champs", "oie cendrée", "courlis cendré", "tourterelle des bois",
                            "grive musicienne", "bécasse des bois")
DISCIPLINES: tuple[str, ...] = ("droit", "psychologie", "économie", "biologie", "histoire", "sociologie")
LIEUX: tuple[str, ...] = ("des Vignes", "du Bois Joli", "de la Croix Blanche", "des Près", "du Calvaire")
ATTACHMENTS: tuple[str, ...] = (
    "Décision attaquée", "Pièce d'identité du requérant", "Recours gracieux et accusé de réception",
    "Justificatif de domicile", "Avis d'imposition", "Attestation de la caisse d'allocations familiales",
    "Captures d'écran du site de la préfecture", "Relevé d'information intégral", "Bulletins de salaire",
    "Certificat médical", "Photographies", "Plan de situation", "Statuts de l'association",
    "Correspondances avec l'administration", "Attestation d'hébergement", "Livret de famille",
)
INTROS: tuple[str, ...] = (
    "A l'honneur de vous exposer les faits et moyens suivants.",
    "Le requérant a l'honneur de saisir le tribunal des faits et moyens suivants.",
    "Par la présente requête, il est demandé au tribunal de statuer sur ce qui suit.",
    "Expose respectueusement ce qui suit.",
    "Plaise au tribunal.",
)
HEADERS_FACTS: tuple[str, ...] = ("I. Faits et procédure", "Rappel des faits", "SUR LES FAITS", "1. Les faits")
HEADERS_GROUNDS: tuple[str, ...] = ("II. Discussion", "Sur la légalité de la décision", "EN DROIT",
                                   "2. Moyens", "Sur le bien-fondé de la requête")
HEADERS_CONCL: tuple[str, ...] = ("PAR CES MOTIFS", "Par ces motifs, le requérant demande au tribunal de :",
                                  "III. Conclusions", "En conséquence, il est demandé au tribunal de :")
CIVILITES: tuple[tuple[str, str], ...] = (("M.", "né"), ("Mme", "née"), ("Monsieur", "né"), ("Madame", "née"))
ALT_CONCLUSIONS: tuple[str, ...] = (
    "suspendre l'exécution de {act} jusqu'à ce qu'il soit statué au fond ;",
    "condamner l'administration à verser au requérant la somme de {montant} euros en réparation des préjudices "
    "subis, avec intérêts au taux légal ;",
    "ordonner avant dire droit une expertise médicale ou technique ;",
    "mettre à la charge de l'État la somme de 2 000 euros au titre de l'article L. 761-1 du code de justice "
    "administrative ;",
    "enjoindre à l'administration de réexaminer la situation du requérant dans un délai de deux mois ;",
    "prononcer la décharge des sommes mises à la charge du requérant ;",
    "accorder au requérant la remise gracieuse de sa dette ;",
)
"""Conclusions a campaign or a single requérant asks for instead of, or besides, those of the kind."""
INDIVIDUAL_FACTS: tuple[str, ...] = (
    "Le requérant, âgé de {nombre} ans de plus que la moyenne des agents concernés, invoque une situation "
    "personnelle que l'administration n'a pas examinée.",
    "Père de famille, il assume seul la charge de ses enfants et ses revenus ne dépassent pas {montant} euros par an.",
    "Son état de santé, attesté par un certificat médical, rend la mesure particulièrement rigoureuse pour lui.",
    "Il a sollicité en vain un entretien avec le service compétent afin d'exposer sa situation particulière.",
    "L'intéressé ne conteste pas la mesure en son principe mais la manière dont elle lui a été appliquée.",
    "Il se trouvait à l'étranger lors de la notification et n'a pu réagir dans les délais habituels.",
    "Sa situation a changé depuis l'intervention de la décision, ce qu'il a signalé sans obtenir de réponse.",
    "Il invoque en outre une erreur sur sa propre situation, l'administration ayant confondu son dossier avec "
    "celui d'un homonyme.",
)
"""Facts of a requérant's own situation (isolated requêtes against the act of a series)."""
CITATION: tuple[tuple[str, float], ...] = (
    ("complete", 0.55), ("autre_format", 0.12), ("partielle", 0.10), ("numero_errone", 0.08), ("absente", 0.15),
)
"""How a requête cites its contested act, with the share of requêtes writing it that way."""
SAME_ACT_ISOLATED = 0.3
"""Share of isolated requêtes that contest the act of one of the corpus's series (on their own grounds)."""
SHARED_ACT = 0.4
"""Share of the series of an already used kind that attack the act of the earlier series of that kind."""
RENEWED = 0.2
"""Share of series whose act is renewed during the series (later members cite the new act)."""
_GENERIC_ACT = ("la décision attaquée", "la décision contestée", "l'acte attaqué", "la décision litigieuse")


def _pick(rng: np.random.Generator, items: tuple[str, ...] | list[str]) -> str:
    """One item at random."""
    return str(items[int(rng.integers(len(items)))])


def _date(rng: np.random.Generator, start: dt.date, span_days: int) -> dt.date:
    """A random date in ``[start, start + span_days]``."""
    return start + dt.timedelta(days=int(rng.integers(max(1, span_days))))


def _fr_date(day: dt.date) -> str:
    """A date written the French way (« 3 mars 2023 »)."""
    months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre")
    return f"{'1er' if day.day == 1 else day.day} {months[day.month - 1]} {day.year}"


def act_values(rng: np.random.Generator) -> dict[str, str]:
    """Values that identify one contested act (kept by every member of a series)."""
    year = int(rng.integers(2019, 2025))
    day = _date(rng, dt.date(year, 1, 1), 360)
    return {
        "date_iso": day.isoformat(),
        "commune": _pick(rng, COMMUNES),
        "departement": _pick(rng, DEPARTEMENTS),
        "ville": _pick(rng, VILLES),
        "num": f"{year}-{int(rng.integers(10, 9999)):04d}",
        "date_acte": _fr_date(day),
        "annee": str(year),
        "annee2": str(year + int(rng.integers(5, 25))),
        "espece": _pick(rng, ESPECES),
        "lieu": _pick(rng, LIEUX),
        "nombre": str(int(rng.integers(2, 12))),
    }


def person_values(rng: np.random.Generator) -> dict[str, str]:
    """Values that change with every requête: the person, amounts and dates of their own case."""
    return {
        "montant": f"{int(rng.integers(300, 25000)):,}".replace(",", " "),
        "nationalite": _pick(rng, NATIONALITES),
        "grade": _pick(rng, GRADES),
        "metier": _pick(rng, METIERS),
        "discipline": _pick(rng, DISCIPLINES),
        "date_infraction": _fr_date(_date(rng, dt.date(2017, 1, 1), 2000)),
    }


def _fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{placeholders}`` that have a value (unknown ones are left as they are), French elisions fixed."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text.replace(" de du ", " du ").replace(" de le ", " du ")


def with_act(kind: Kind, values: dict[str, str]) -> dict[str, str]:
    """The values plus ``act``: the contested act written out (facts and conclusions cite it)."""
    return {**values, "act": _fill(kind.act, values)}


def renewed_values(rng: np.random.Generator, values: dict[str, str]) -> dict[str, str]:
    """The same act renewed: same authority and place, a later date and a new number."""
    first = dt.date.fromisoformat(values["date_iso"])
    day = first + dt.timedelta(days=int(rng.integers(90, 400)))
    return {**values, "date_iso": day.isoformat(), "date_acte": _fr_date(day), "annee": str(day.year),
            "num": f"{day.year}-{int(rng.integers(10, 9999)):04d}"}


def _garble(number: str, rng: np.random.Generator) -> str:
    """A number mistyped: one digit changed or two neighbouring digits swapped."""
    digits = [k for k, ch in enumerate(number) if ch.isdigit()]
    if len(digits) < 2:
        return number
    chars = list(number)
    k = digits[int(rng.integers(len(digits)))]
    if rng.random() < 0.5 and k + 1 < len(chars) and chars[k + 1].isdigit() and chars[k] != chars[k + 1]:
        chars[k], chars[k + 1] = chars[k + 1], chars[k]
    else:
        chars[k] = str((int(chars[k]) + int(rng.integers(1, 9))) % 10)
    return "".join(chars)


def cite_act(kind: Kind, values: dict[str, str], rng: np.random.Generator) -> dict[str, str]:
    """The values with ``act`` (as the body cites it) and ``act_head`` (the « CONTRE » line) for one requête.

    Each requête writes its act its own way (see ``CITATION``): in full, with a numeric date, without its
    number or its date, with a mistyped number, or only as « la décision attaquée » after a short heading.
    """
    weights = np.array([w for _, w in CITATION])
    how = CITATION[int(rng.choice(len(CITATION), p=weights / weights.sum()))][0]
    template = kind.act
    own = dict(values)
    if how == "autre_format" and "date_iso" in own:
        day = dt.date.fromisoformat(own["date_iso"])
        own["date_acte"] = _pick(rng, (day.strftime("%d/%m/%Y"), f"{day.day}/{day.month:02d}/{day.year}",
                                       day.strftime("%d.%m.%Y"), day.strftime("%d-%m-%Y")))
    elif how == "partielle":
        if "{num}" in template and rng.random() < 0.5:
            template = re.sub(r" n° \{num\}", "", template)
        else:
            template = re.sub(r" (?:du|le) \{date_acte\}", "", template)
    elif how == "numero_errone":
        if "{num}" in template:
            own["num"] = _garble(own.get("num", ""), rng)
        elif "date_iso" in own:
            day = dt.date.fromisoformat(own["date_iso"]) + dt.timedelta(days=int(rng.choice((-1, 1, 10, -10))))
            own["date_acte"] = _fr_date(day)
    act = _fill(template, own)
    if how == "absente":
        head = re.split(r" (?:n° |du |le |reçue |portant |relative |rejetant |refusant |mettant |réclamant )",
                        act, maxsplit=1)[0]
        return {**own, "act": _pick(rng, _GENERIC_ACT), "act_head": head}
    return {**own, "act": act, "act_head": act}


def _identity(rng: np.random.Generator) -> tuple[str, str]:
    """A party block with personal data (name, birth, address, contact) and the short name for the signature."""
    civ, born = CIVILITES[int(rng.integers(len(CIVILITES)))]
    first, last = _pick(rng, PRENOMS), _pick(rng, NOMS)
    birth = _date(rng, dt.date(1945, 1, 1), 20000)
    ville = _pick(rng, VILLES + COMMUNES)
    parts = [f"{civ} {first} {last.upper() if rng.random() < 0.5 else last}"]
    if rng.random() < 0.8:
        parts.append(f"{born} le {birth.strftime('%d/%m/%Y') if rng.random() < 0.5 else _fr_date(birth)} à {ville}")
    if rng.random() < 0.5:
        nationality = f"{_pick(rng, NATIONALITES)}e" if rng.random() < 0.3 else "française"
        parts.append(f"de nationalité {nationality}")
    street = f"{int(rng.integers(1, 180))} {_pick(rng, VOIES)} {_pick(rng, NOMS_VOIES)}"
    parts.append(f"demeurant {street}, {int(rng.integers(1, 96)):02d}{int(rng.integers(0, 999)):03d} "
                 f"{_pick(rng, COMMUNES + VILLES)}")
    if rng.random() < 0.5:
        digits = " ".join(f"{int(rng.integers(0, 100)):02d}" for _ in range(4))
        parts.append(f"tél. 0{int(rng.integers(1, 8))} {digits}")
    if rng.random() < 0.4:
        domain = _pick(rng, ("orange.fr", "gmail.com", "free.fr", "laposte.net"))
        mail = f"{first.lower()}.{last.lower().replace(' ', '')}{int(rng.integers(1, 99))}@{domain}"
        parts.append(f"courriel : {mail}")
    if rng.random() < 0.15:
        nir = f"{1 if born == 'né' else 2} {birth.year % 100:02d} {birth.month:02d} {int(rng.integers(1, 96)):02d} " \
              f"{int(rng.integers(1, 999)):03d} {int(rng.integers(1, 999)):03d} {int(rng.integers(1, 97)):02d}"
        parts.append(f"n° de sécurité sociale {nir}")
    if rng.random() < 0.1:
        groups = " ".join(f"{int(rng.integers(0, 10000)):04d}" for _ in range(5))
        iban = f"FR76 {groups} {int(rng.integers(0, 999)):03d}"
        parts.append(f"IBAN {iban}")
    return ", ".join(parts), f"{civ} {last}"


def _lawyer(rng: np.random.Generator) -> str:
    """A lawyer's line (masked as personal data too)."""
    return (f"Ayant pour avocat Maître {_pick(rng, PRENOMS)} {_pick(rng, NOMS)}, avocat au barreau de "
            f"{_pick(rng, VILLES)}, {int(rng.integers(1, 90))} {_pick(rng, VOIES)} {_pick(rng, NOMS_VOIES)}")


def paraphrase(sentence: str, rng: np.random.Generator, rate: float) -> str:
    """A lawyer's rewording: each known phrasing replaced by an equivalent one with probability ``rate``."""
    out = sentence
    for group in SYNONYMS:
        for phrase in group:
            if phrase in out and rng.random() < rate:
                choices = [p for p in group if p != phrase]
                out = out.replace(phrase, _pick(rng, choices), 1)
                break
    if rng.random() < rate * 0.5 and ", " in out:
        head, _, tail = out.partition(", ")
        if len(tail) > 20 and tail.endswith("."):
            out = f"{tail[:-1][0].upper()}{tail[:-1][1:]}, {head[0].lower()}{head[1:]}."
    return out


def ocr_noise(text: str, rng: np.random.Generator, rate: float) -> str:
    """Characters a scanner misreads: confusions, lost accents, split or merged words, stray marks."""
    confusions = {"e": "c", "é": "e", "è": "e", "i": "l", "l": "1", "o": "0", "m": "rn", "u": "v", "n": "u",
                  "a": "à", "t": "f", "ç": "c", "s": "5", "O": "0", "I": "l"}
    out: list[str] = []
    for ch in text:
        r = rng.random()
        if r < rate and ch in confusions:
            out.append(confusions[ch])
        elif r < rate * 1.3 and ch == " ":
            continue
        elif r < rate * 1.4 and ch.isalpha():
            out.append(ch + " ")
        elif r < rate * 1.45:
            out.append(_pick(rng, ("'", ".", ",", "~", "|")) + ch)
        else:
            out.append(ch)
    return "".join(out)


def _attachments(rng: np.random.Generator) -> str:
    """A list of attached documents, as many requêtes end."""
    n = int(rng.integers(2, 7))
    chosen = rng.choice(len(ATTACHMENTS), size=n, replace=False)
    lines = [f"{i + 1}. {ATTACHMENTS[int(j)]}" for i, j in enumerate(chosen)]
    return _pick(rng, ("Pièces jointes :", "BORDEREAU DE PIÈCES", "Liste des pièces communiquées :")) + "\n" + \
        "\n".join(lines)


class _Author:
    """How one lawyer or association writes: headings, intro, grounds kept and their order, wording."""

    def __init__(self, kind: Kind, rng: np.random.Generator, rewrite_rate: float, campaign: _Campaign | None = None,
                 individual: bool = False) -> None:
        self.intro = _pick(rng, INTROS)
        self.h_facts, self.h_grounds, self.h_concl = (_pick(rng, HEADERS_FACTS), _pick(rng, HEADERS_GROUNDS),
                                                      _pick(rng, HEADERS_CONCL))
        pool = campaign.grounds if campaign is not None else list(kind.grounds)
        n = len(pool)
        if individual:
            keep = int(rng.integers(1, 3))
        else:
            keep = max(2, int(rng.integers(max(2, n - 2), n + 1))) if n > 2 else n
        self.grounds = [pool[int(i)] for i in rng.choice(n, size=min(keep, n), replace=False)]
        extra_n = int(rng.integers(2, 4)) if individual else int(rng.integers(0, 3))
        self.extra = [*(campaign.extra if campaign is not None else []),
                      *(_pick(rng, GENERIC_GROUNDS) for _ in range(extra_n))]
        self.facts = list(kind.facts)
        self.rate = rewrite_rate
        self.grounds = [paraphrase(g, rng, rewrite_rate) for g in self.grounds]
        self.extra = [paraphrase(g, rng, rewrite_rate) for g in self.extra]
        self.facts = [paraphrase(f, rng, rewrite_rate) for f in self.facts]
        if campaign is not None:
            conclusions = campaign.conclusions
        elif individual and rng.random() < 0.5:
            conclusions = [*kind.conclusions[:1], *(str(c) for c in rng.choice(ALT_CONCLUSIONS, size=2,
                                                                                 replace=False))]
        else:
            conclusions = list(kind.conclusions)
        self.conclusions = [paraphrase(c, rng, rewrite_rate) for c in conclusions]
        self.lawyer = rng.random() < 0.7


@dataclass
class _Campaign:
    """What a series argues: the grounds of its kind it keeps, grounds of its own, and its conclusions."""

    grounds: list[str]
    extra: list[str]
    conclusions: list[str]

    @classmethod
    def draw(cls, kind: Kind, rng: np.random.Generator, other: bool = False) -> _Campaign:
        """A campaign; ``other`` is a second campaign against the same act (other grounds and conclusions)."""
        n = len(kind.grounds)
        keep = max(2, n - int(rng.integers(0, 2)) - (1 if other else 0))
        grounds = [kind.grounds[int(i)] for i in sorted(rng.choice(n, size=min(keep, n), replace=False))]
        extra = [str(g) for g in rng.choice(GENERIC_GROUNDS, size=2 if other else int(rng.integers(0, 2)),
                                            replace=False)]
        if other:
            conclusions = [str(c) for c in rng.choice(ALT_CONCLUSIONS, size=2, replace=False)]
            conclusions.insert(0, kind.conclusions[0])
        else:
            conclusions = list(kind.conclusions)
        return cls(grounds, extra, conclusions)


def _compose(kind: Kind, author: _Author, rng: np.random.Generator, values: dict[str, str], court: str,
             own_facts: list[str], style: str) -> str:
    """One requête: court, party block, facts, grounds, conclusions, signature and attachments."""
    party, short = _identity(rng)
    lines = [f"TRIBUNAL ADMINISTRATIF DE {court.upper()}" if rng.random() < 0.7 else
             f"À Mesdames et Messieurs les juges du tribunal administratif de {court}"]
    lines.append(_pick(rng, ("REQUÊTE INTRODUCTIVE D'INSTANCE", "REQUÊTE EN ANNULATION", "Requête", "MÉMOIRE")))
    lines.append(f"POUR : {party}")
    if author.lawyer:
        lines.append(_lawyer(rng))
    lines.append(f"CONTRE : {values.get('act_head', values.get('act', ''))}")
    lines.append(author.intro)
    facts = [*author.facts, *own_facts]
    grounds = [*author.grounds, *author.extra]
    conclusions = list(author.conclusions)
    if style == "reecriture":
        facts = [paraphrase(f, rng, 0.5) for f in facts]
        grounds = [paraphrase(g, rng, 0.6) for g in grounds if rng.random() < 0.85] or grounds[:1]
        if rng.random() < 0.5:
            grounds.append(paraphrase(_pick(rng, GENERIC_GROUNDS), rng, 0.5))
        rng.shuffle(grounds)
        if rng.random() < 0.5:
            rng.shuffle(facts)
        conclusions = [paraphrase(c, rng, 0.5) for c in conclusions]
    elif rng.random() < 0.15:
        grounds = grounds[:-1] if len(grounds) > 2 else grounds
    body = [author.h_facts, *facts, author.h_grounds, *grounds, author.h_concl]
    body += [f"- {c}" for c in conclusions]
    lines += [_fill(b, values) for b in body]
    place = _pick(rng, VILLES)
    lines.append(f"Fait à {place}, le {_fr_date(_date(rng, dt.date(2021, 1, 1), 1400))}")
    lines.append(f"Pour {short}" if rng.random() < 0.5 else "Signature")
    if rng.random() < 0.75:
        lines.append(_attachments(rng))
    return "\n".join(lines)


def _series_sizes(n_members: int, n_series: int, rng: np.random.Generator) -> list[int]:
    """Heavy-tailed series sizes of at least 5 summing to about ``n_members`` (the largest ≤ 2,000 and ≤ 35 %)."""
    weights = np.sort(rng.pareto(1.1, size=n_series) + 0.15)[::-1]
    cap = min(2000, max(5, int(0.35 * n_members)))
    sizes = np.full(n_series, 5, dtype=np.int64)
    for _ in range(20):
        room = n_members - int(sizes.sum())
        open_ = sizes < cap
        if room <= 0 or not open_.any():
            break
        share = np.where(open_, weights, 0.0)
        add = np.floor(share / share.sum() * room).astype(np.int64)
        if add.sum() == 0:
            add[int(np.argmax(share))] = room
        sizes = np.minimum(sizes + add, cap)
    return [int(v) for v in sizes]


@dataclass
class _Series:
    """One series of the corpus: kind, style, contested act, courts, period and authors."""

    label: str
    kind: Kind
    style: str
    values: dict[str, str]
    facts: list[str]
    courts: list[str]
    start: dt.date
    span: int
    authors: list[_Author]
    renewed: dict[str, str] | None = None
    renewed_from: dt.date | None = None

    def act_on(self, day: dt.date, rng: np.random.Generator) -> dict[str, str]:
        """The act a member registered on ``day`` attacks (the renewed one, mostly, after the renewal)."""
        if self.renewed is not None and self.renewed_from is not None and day >= self.renewed_from \
                and rng.random() < 0.8:
            return self.renewed
        return self.values

    def requete(self, rng: np.random.Generator, day: dt.date | None = None) -> dict[str, object]:
        """One member of the series."""
        day = day or _date(rng, self.start, self.span)
        own = cite_act(self.kind, {**self.act_on(day, rng), **person_values(rng)}, rng)
        author = self.authors[int(rng.integers(len(self.authors)))]
        court = _pick(rng, self.courts)
        facts = [_fill(f, own) for f in self.facts] if rng.random() < 0.6 else []
        text = _compose(self.kind, author, rng, own, court, facts, self.style)
        return {"text": text, "court": court, "registered_on": day,
                "matter": self.kind.matter, "series": self.label, "series_style": self.style}


START = dt.date(2021, 1, 4)
"""First registration date of generated corpora (they span about 3.5 years)."""


def _isolated(rng: np.random.Generator, day: dt.date | None = None,
              specs: list[_Series] | None = None) -> dict[str, object]:
    """A requête of its own: a kind shared with series or not, its own act (or a series' act), facts and wording.

    With ``SAME_ACT_ISOLATED``, it attacks the act of one of ``specs`` on its own grounds, with its own
    situation and sometimes other conclusions: topic and act shared, campaign not.
    """
    if specs and rng.random() < SAME_ACT_ISOLATED:
        spec = specs[int(rng.integers(len(specs)))]
        kind = spec.kind
        on = day or _date(rng, spec.start, spec.span)
        values = cite_act(kind, {**spec.act_on(on, rng), **person_values(rng)}, rng)
        author = _Author(kind, rng, 0.6, individual=True)
        chosen = rng.choice(len(INDIVIDUAL_FACTS), size=2, replace=False)
        own_facts = [_fill(paraphrase(f, rng, 0.6), values) for f in rng.choice(list(kind.facts), size=1)]
        own_facts += [_fill(INDIVIDUAL_FACTS[int(k)], values) for k in chosen]
        court = _pick(rng, spec.courts) if rng.random() < 0.5 else _pick(rng, COURTS)
        text = _compose(kind, author, rng, values, court, own_facts, "reecriture")
        return {"text": text, "court": court, "registered_on": on, "matter": kind.matter,
                "series": "", "series_style": ""}
    pool = KINDS + ISOLATED_KINDS
    kind = pool[int(rng.integers(len(pool)))]
    values = cite_act(kind, {**act_values(rng), **person_values(rng)}, rng)
    author = _Author(kind, rng, 0.6)
    own_facts = [_fill(paraphrase(f, rng, 0.6), values) for f in rng.choice(list(kind.facts), size=2)]
    court = _pick(rng, COURTS)
    text = _compose(kind, author, rng, values, court, own_facts, "reecriture")
    return {"text": text, "court": court, "registered_on": day or _date(rng, START, 1300), "matter": kind.matter,
            "series": "", "series_style": ""}


def _finish(rows: list[dict[str, object]], rng: np.random.Generator, ocr_share: float, seed: int,
            first: int) -> pd.DataFrame:
    """Shuffle, add OCR noise to some requêtes, sort by date and number the cases."""
    order = rng.permutation(len(rows))
    frame = pd.DataFrame([rows[int(i)] for i in order])
    noisy = rng.random(len(frame)) < ocr_share
    frame["ocr_confidence"] = np.where(noisy, np.round(rng.uniform(55, 85, len(frame)), 1), np.nan)
    frame.loc[noisy, "text"] = [ocr_noise(t, rng, float(rng.uniform(0.01, 0.04))) for t in frame.loc[noisy, "text"]]
    frame = frame.sort_values("registered_on", kind="stable").reset_index(drop=True)
    seq = first + np.arange(len(frame))
    court_idx = frame["court"].map({c: i for i, c in enumerate(COURTS)}).to_numpy()
    years = pd.to_datetime(frame["registered_on"]).dt.year.to_numpy()
    frame.insert(0, "case_id", [f"{y % 100:02d}{c:02d}{seed % 100:02d}{k:05d}" for y, c, k in zip(years, court_idx,
                                                                                                  seq, strict=True)])
    columns = ["case_id", "text", "court", "registered_on", "matter", "ocr_confidence", *TRUTH_COLUMNS]
    return frame[columns]


def generate(size: int, seed: int = 0, isolated_share: float = 0.55, ocr_share: float = 0.1, follow_up: int = 0,
             follow_seed: int = 1) -> pd.DataFrame:
    """``size`` requêtes: Record columns plus the truth columns ``series`` and ``series_style``.

    With ``follow_up``, that many requêtes registered after the corpus are appended (about 60 % joining its
    series, the others isolated), drawn with ``follow_seed``: new requêtes to register against the corpus.
    """
    rng = np.random.default_rng(seed)
    n_iso = round(size * isolated_share)
    n_members = size - n_iso
    n_series = int(np.clip(round(size / 200), 3, 30))
    n_series = max(0, min(n_series, n_members // 5))
    sizes = _series_sizes(n_members, n_series, rng) if n_series else []
    n_iso = size - sum(sizes)
    rows: list[dict[str, object]] = []
    kinds_order = rng.permutation(len(KINDS))
    specs: list[_Series] = []
    first_of_kind: dict[str, _Series] = {}
    for s, n in enumerate(sizes):
        kind = KINDS[int(kinds_order[s % len(KINDS)])]
        style = "modele" if rng.random() < 0.5 else "reecriture"
        earlier = first_of_kind.get(kind.key)
        shared = earlier is not None and rng.random() < SHARED_ACT
        values = dict(earlier.values) if shared and earlier is not None else act_values(rng)
        campaign = _Campaign.draw(kind, rng, other=shared)
        facts = [_pick(rng, kind.facts)]
        courts = [str(c) for c in rng.choice(COURTS, size=int(rng.integers(1, 4)), replace=False)]
        start = _date(rng, START, 900)
        span = int(rng.integers(20, 400))
        authors = [_Author(kind, rng, 0.0 if style == "modele" else 0.5, campaign)
                   for _ in range(1 if style == "modele" else int(rng.integers(3, 7)))]
        spec = _Series(f"S{s + 1:02d}", kind, style, values, facts, courts, start, span, authors)
        if rng.random() < RENEWED:
            spec.renewed = renewed_values(rng, values)
            spec.renewed_from = start + dt.timedelta(days=int(span * rng.uniform(0.3, 0.7)))
        first_of_kind.setdefault(kind.key, spec)
        specs.append(spec)
        rows.extend(spec.requete(rng) for _ in range(n))
    rows.extend(_isolated(rng, specs=specs) for _ in range(n_iso))
    frame = _finish(rows, rng, ocr_share, seed, 0)
    if follow_up <= 0:
        return frame
    rng2 = np.random.default_rng(10_000 + follow_seed)
    last = max(pd.to_datetime(frame["registered_on"]).max().date(), START)
    extra: list[dict[str, object]] = []
    weights = np.asarray(sizes, dtype=float) / max(1, sum(sizes))
    for _ in range(follow_up):
        day = last + dt.timedelta(days=int(rng2.integers(1, 60)))
        if specs and rng2.random() < 0.6:
            extra.append(specs[int(rng2.choice(len(specs), p=weights))].requete(rng2, day))
        else:
            extra.append(_isolated(rng2, day, specs))
    follow = _finish(extra, rng2, ocr_share, seed, 90_000 + (follow_seed % 9) * 1000)
    return pd.concat([frame, follow], ignore_index=True)
