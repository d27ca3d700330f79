"""Synthetic SIRENE-like register and census bulletins with INSEE's measured noise, seeded.

The register follows SIRENE's StockEtablissement layout joined with StockUniteLegale's name fields, over the
real communes and NAF codes of the bundled tables: chains and franchises with hundreds of establishments,
temporary-work agencies, hospitals (CHU and centres hospitaliers), schools, town halls, multi-establishment
companies with their head office, homonyms and closed establishments. Bulletins are drawn from it (people
work in big establishments more often) and written the way people write them: missing fields at the rates
INSEE measured, typos, acronyms, "Mairie de …", old commune names, the head office's address instead of the
workplace's, and people working at home, for private employers, abroad or in variable places.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from iapublique.services.employer_matching.reference import communes, departement_of, merged_communes, naf, plain

REGISTER_COLUMNS = (
    "siren", "nic", "siret", "etablissementSiege", "trancheEffectifsEtablissement", "numeroVoieEtablissement",
    "typeVoieEtablissement", "libelleVoieEtablissement", "complementAdresseEtablissement",
    "codePostalEtablissement", "libelleCommuneEtablissement", "codeCommuneEtablissement",
    "etatAdministratifEtablissement", "enseigne1Etablissement", "enseigne2Etablissement", "enseigne3Etablissement",
    "denominationUsuelleEtablissement", "activitePrincipaleEtablissement", "denominationUniteLegale",
    "sigleUniteLegale", "nomUniteLegale", "prenom1UniteLegale",
)
"""SIRENE columns the service reads (StockEtablissement joined with StockUniteLegale's name fields)."""

BULLETIN_TRUTH = ("siret", "noncodable_reason", "naf")
"""Ground-truth columns of generated bulletins."""

NONCODABLE_REASONS = (
    "employeur non renseigné",
    "travail à domicile",
    "particulier employeur",
    "travail à l'étranger",
    "lieu de travail variable",
)
"""Reasons a bulletin cannot be coded to an establishment (French, shown to agents)."""

BAND_CODES = np.array(["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42", "51", "52", "53"])
BAND_STAFF = np.array([1, 1, 1.5, 4, 7.5, 15, 35, 75, 150, 225, 375, 750, 1500, 3500, 7500, 12000], dtype=float)
"""SIRENE staff bands and the midpoint of each (used to draw where people work)."""

SURNAMES = [
    "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU", "LAURENT", "SIMON",
    "MICHEL", "LEFEBVRE", "LEROY", "DAVID", "BERTRAND", "MOREL", "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT",
    "FONTAINE", "ROUSSEAU", "VINCENT", "MULLER", "LEFEVRE", "FAURE", "ANDRE", "MERCIER", "BLANC", "GUERIN", "BOYER",
    "GARNIER", "CHEVALIER", "FRANCOIS", "LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLEMENT", "MORIN",
    "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON", "MARCHAND", "DUVAL", "DENIS", "DUMONT", "MARIE",
    "LEMAIRE", "NOEL", "MEYER", "DUFOUR", "MEUNIER", "BRUN", "BLANCHARD", "GIRAUD", "JOLY", "RIVIERE", "LUCAS",
    "BRUNET", "GAILLARD", "BARBIER", "ARNAUD", "MARTINEZ", "GERARD", "ROCHE", "RENARD", "SCHMITT", "ROY", "LEROUX",
    "COLIN", "VIDAL", "CARON", "PICARD", "ROGER", "FABRE", "AUBERT", "LEMOINE", "RENAUD", "DUMAS", "LACROIX",
    "OLIVIER", "PHILIPPE", "BOURGEOIS", "PIERRE", "BENOIT", "REY", "LECLERC", "PAYET", "ROLLAND", "LECLERCQ",
    "GUILLAUME", "LECOMTE", "LOPEZ", "JEAN", "DUPUY", "GUILLOT", "HUBERT", "BERGER", "CARPENTIER", "SANCHEZ", "DUPUIS",
    "MOULIN", "LOUIS", "DESCHAMPS", "HUET", "VASSEUR", "PEREZ", "BOUCHER", "FLEURY", "ROYER", "KLEIN", "JACQUET",
    "ADAM", "PARIS", "POIRIER", "MARTY", "AUBRY", "GUYOT", "CARRE", "CHARLES", "RENAULT", "CHARPENTIER", "MENARD",
    "MAILLARD", "BARON", "BERTIN", "BAILLY", "HERVE", "SCHNEIDER", "FERNANDEZ", "COLLET", "LEGER", "BOUVIER", "JULIEN",
    "PREVOST", "MILLET", "PERROT", "DANIEL", "COUSIN", "GERMAIN", "BRETON", "BESSON", "LANGLOIS", "REMY", "PELLETIER",
    "LEVEQUE", "PERRIER", "LEBLANC", "ROUX", "LE GALL", "LE GOFF",
]
FIRST_NAMES = [
    "JEAN", "MARIE", "PIERRE", "MICHEL", "ANDRE", "PHILIPPE", "NATHALIE", "ISABELLE", "ALAIN", "CATHERINE", "SYLVIE",
    "FRANCOISE", "PATRICK", "CHRISTOPHE", "STEPHANE", "SANDRINE", "VALERIE", "LAURENT", "NICOLAS", "DAVID", "ERIC",
    "FREDERIC", "JULIEN", "SEBASTIEN", "CELINE", "AURELIE", "THOMAS", "KEVIN", "CAMILLE", "LEA", "MANON", "EMMA",
    "HUGO", "LUCAS", "LOUIS", "CHLOE", "SARAH", "JULIE", "MARC", "OLIVIER", "PASCAL", "BRUNO", "DIDIER", "SOPHIE",
    "CHRISTINE", "MARTINE", "MONIQUE", "GERARD", "DANIEL", "BERNARD", "JACQUES", "ANNE", "PAUL", "VINCENT", "ANTOINE",
    "MATHIEU", "ELODIE",
]
PERSONS = [
    "JEAN MOULIN", "VICTOR HUGO", "JULES FERRY", "JEAN JAURES", "LOUIS PASTEUR", "MARIE CURIE", "JACQUES PREVERT",
    "ALBERT CAMUS", "PAUL ELUARD", "ANATOLE FRANCE", "JEAN DE LA FONTAINE", "CONDORCET", "VOLTAIRE", "MONTESQUIEU",
    "JEAN ROSTAND", "JULES VERNE", "GEORGE SAND", "CHARLES DE GAULLE", "PIERRE CURIE", "ARISTIDE BRIAND", "LEON BLUM",
    "ROMAIN ROLLAND", "PAUL BERT", "EMILE ZOLA", "ANDRE MALRAUX", "SIMONE VEIL", "JEAN MACE", "HENRI MATISSE",
    "CLAUDE MONET", "JEAN MERMOZ", "ANTOINE DE SAINT EXUPERY", "MARCEL PAGNOL", "LOUISE MICHEL", "JEANNE D ARC",
    "GUSTAVE EIFFEL", "JEAN ZAY", "RENE CASSIN", "JACQUES BREL", "LEONARD DE VINCI", "FREDERIC MISTRAL",
    "PABLO PICASSO", "JEAN MONNET", "PIERRE MENDES FRANCE", "CAMILLE CLAUDEL", "GEORGES BRASSENS",
]
STREET_NAMES = [
    "DE LA REPUBLIQUE", "DE LA GARE", "DE L EGLISE", "DU GENERAL DE GAULLE", "DE LA LIBERATION", "DES ECOLES",
    "DU MOULIN", "DE LA MAIRIE", "DU CHATEAU", "PRINCIPALE", "DE LA PAIX", "DES LILAS", "DU STADE", "DE LA FONTAINE",
    "DES TILLEULS", "DU COMMERCE", "NATIONALE", "DE PARIS", "DU 8 MAI 1945", "DU 11 NOVEMBRE", "DES ACACIAS",
    "DE LA POSTE", "DES PRES", "DU PORT", "DE LA FORET", "DES VIGNES", "DU MARECHAL FOCH", "DU MARECHAL LECLERC",
    "GAMBETTA", "CARNOT", "PASTEUR", "DES ROSIERS", "DE LA CROIX", "DES CHAMPS", "DU CENTRE", "DE LA RIVIERE",
    "DES PEUPLIERS", "DES ARTISANS", "DE L INDUSTRIE", "DES ENTREPRENEURS", "DU PRESIDENT WILSON", "SAINT MARTIN",
    "SAINT PIERRE", "DES JARDINS", "DU LAVOIR", "DE LA VALLEE", "DES CERISIERS", "DU PARC",
]
STREET_TYPE_CHOICES = np.array(["RUE", "AV", "BD", "PL", "CHE", "RTE", "ALL", "IMP", "QUAI", "ZA", "ZI", "CRS"])
STREET_TYPE_P = np.array([0.44, 0.15, 0.07, 0.05, 0.08, 0.08, 0.04, 0.03, 0.02, 0.02, 0.01, 0.01])
STREET_TYPE_WRITTEN = {
    "RUE": ["rue", "Rue", "R"], "AV": ["avenue", "Av", "ave"], "BD": ["boulevard", "Bd", "bld"],
    "PL": ["place", "Pl"], "CHE": ["chemin", "ch"], "RTE": ["route", "rte"], "ALL": ["allée", "all"],
    "IMP": ["impasse", "imp"], "QUAI": ["quai"], "ZA": ["zone artisanale", "ZA"], "ZI": ["zone industrielle", "ZI"],
    "CRS": ["cours"],
}
SYLLABLES = [
    "AR", "BE", "CA", "DO", "EL", "FA", "GI", "HA", "IN", "JO", "KA", "LI", "MA", "NO", "OR", "PA", "QUA", "RI", "SO",
    "TA", "UL", "VA", "XO", "ZE", "BRA", "CRE", "DRI", "FLO", "GRA", "PRO", "TRI", "VEN", "SOL", "MER", "TEC", "NOV",
    "ALP", "LUM", "CAL", "DEL", "MON", "VAL",
]
SUFFIXES = ("SERVICES", "CONSEIL", "TECHNOLOGIES", "DISTRIBUTION", "INDUSTRIE", "BATIMENT", "TRANSPORTS",
            "FRANCE", "GROUPE", "INGENIERIE", "SYSTEMES", "SOLUTIONS", "LOGISTIQUE", "ENERGIE", "IMMOBILIER")
GENERIC_LABEL_WORDS = frozenset(
    [
        "COMMERCE", "DETAIL", "GROS", "AUTRES", "AUTRE", "ACTIVITES", "ACTIVITE", "FABRICATION", "PRODUCTION",
        "SERVICES", "SERVICE", "TRAVAUX", "CULTURE", "ELEVAGE", "MAGASIN", "SPECIALISE", "SPECIALISES", "NON",
        "CLASSEE", "CLASSES", "AILLEURS", "PRODUITS", "DIVERS", "GENERAL", "GENERALE", "INSTALLATION", "REPARATION",
        "LOCATION", "EXPLOITATION", "GESTION", "INTERMEDIAIRES", "SOUTIEN",
    ]
)

# (brand, legal name, sigle, NAF, establishments per million, structure)
CHAINS: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("SNCF", "SOCIETE NATIONALE SNCF", "SNCF", "4910Z", 450, "company"),
    ("LA POSTE", "LA POSTE", "", "5310Z", 700, "company"),
    ("E.LECLERC", "", "", "4711F", 450, "franchise"),
    ("INTERMARCHE", "", "", "4711D", 900, "franchise"),
    ("FRANCE TRAVAIL", "FRANCE TRAVAIL", "", "8413Z", 350, "company"),
    ("EDF", "ELECTRICITE DE FRANCE", "EDF", "3511Z", 300, "company"),
    ("CAISSE PRIMAIRE D ASSURANCE MALADIE", "CAISSE PRIMAIRE D ASSURANCE MALADIE", "CPAM", "8430A", 100, "company"),
    ("ADECCO", "ADECCO FRANCE", "", "7820Z", 500, "company"),
    ("MANPOWER", "MANPOWER FRANCE", "", "7820Z", 450, "company"),
    ("RANDSTAD", "RANDSTAD", "", "7820Z", 400, "company"),
    ("BANQUE TALVERA", "BANQUE TALVERA", "BT", "6419Z", 700, "company"),
    ("CREDIT MONVAL", "CAISSE REGIONALE DE CREDIT MONVAL", "CRM", "6419Z", 650, "company"),
    ("MAGASINS ORVALIS", "ORVALIS DISTRIBUTION", "", "4711D", 500, "company"),
    ("BRICOVAL", "BRICOVAL FRANCE", "", "4752B", 300, "company"),
    ("DELIPANE", "", "", "1071C", 250, "franchise"),
    ("BURGEO", "", "", "5610C", 400, "franchise"),
    ("COIFF AUDREY", "", "", "9602A", 350, "franchise"),
    ("PHARMA PLUS", "", "", "4773Z", 300, "franchise"),
    ("SECURIAL", "SECURIAL PROTECTION", "", "8010Z", 250, "company"),
    ("NETTOYAL", "NETTOYAL PROPRETE", "", "8121Z", 300, "company"),
    ("TRANSVALOR", "TRANSVALOR LOGISTIQUE", "TVL", "4941A", 250, "company"),
    ("AIDE A DOMICILE CALIDOM", "ASSOCIATION CALIDOM AIDE A DOMICILE", "ACAD", "8810A", 300, "company"),
    ("GENDARMERIE NATIONALE", "MINISTERE DE L INTERIEUR", "", "8424Z", 300, "company"),
    ("ORANGE", "ORANGE", "", "6110Z", 250, "company"),
)
BIG_CITIES = {
    "75056": "PARIS", "13055": "MARSEILLE", "69123": "LYON", "31555": "TOULOUSE", "06088": "NICE",
    "44109": "NANTES", "67482": "STRASBOURG", "34172": "MONTPELLIER", "33063": "BORDEAUX", "59350": "LILLE",
    "35238": "RENNES", "51454": "REIMS", "42218": "SAINT ETIENNE", "83137": "TOULON", "38185": "GRENOBLE",
    "21231": "DIJON", "49007": "ANGERS", "30189": "NIMES", "63113": "CLERMONT FERRAND", "37261": "TOURS",
    "87085": "LIMOGES", "80021": "AMIENS", "29019": "BREST", "14118": "CAEN", "76540": "ROUEN",
    "86194": "POITIERS", "25056": "BESANCON", "54395": "NANCY", "45234": "ORLEANS", "57463": "METZ",
}
"""Big cities (INSEE codes): they weigh more in where establishments are, and each has a CHU."""


def _luhn_check(digits: np.ndarray) -> np.ndarray:
    """Luhn check digit of each row of a digit matrix (the last digit of a SIREN or SIRET)."""
    d = digits[:, ::-1].astype(np.int64)
    doubled = d.copy()
    doubled[:, 0::2] *= 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    return (10 - doubled.sum(axis=1) % 10) % 10


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Digit matrix of non-negative integers, zero-padded to ``width``."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers[None, :]) % 10


def _sirens(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct Luhn-valid SIREN numbers (as integers)."""
    bodies = np.unique(rng.integers(10_000_000, 99_999_999, size=int(n * 1.3) + 100))
    bodies = rng.permutation(bodies)[:n]
    return bodies * 10 + _luhn_check(_digits(bodies, 8))


def _sirets(siren: np.ndarray, seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NIC and SIRET strings: a 4-digit sequence per SIREN plus a Luhn digit over the 14 digits."""
    body = siren * 10_000 + seq
    check = _luhn_check(_digits(body, 13))
    nic_int = seq * 10 + check
    nic = np.char.zfill(nic_int.astype(str), 5)
    siret = np.char.add(np.char.zfill(siren.astype(str), 9), nic)
    return nic, siret


@lru_cache(maxsize=1)
def _trade_words() -> dict[str, str]:
    """A shop-sign word per NAF code, taken from its label (e.g. 1071C → BOULANGERIE)."""
    out: dict[str, str] = {}
    for code, label in zip(naf()["code"], naf()["label"], strict=True):
        words = [w for w in plain(label).split()[:7] if len(w) > 3 and w not in GENERIC_LABEL_WORDS]
        out[code] = max(words, key=len) if words else plain(label).split()[0]
    return out


def _naf_weights(codes: np.ndarray) -> np.ndarray:
    """How common each NAF code is among establishments (retail, building, health, services weigh more)."""
    section_weight = {"G": 3.0, "F": 2.5, "I": 2.0, "M": 2.0, "N": 1.5, "Q": 2.0, "S": 1.5, "C": 1.0, "H": 1.0,
                      "K": 1.0, "L": 1.2, "J": 1.0, "R": 1.0, "P": 0.3, "O": 0.1, "A": 1.0}
    table = naf().set_index("code")
    return np.array([section_weight.get(str(table.at[c, "section"]), 0.4) for c in codes])


def _invented(rng: np.random.Generator, n: int) -> np.ndarray:
    """Invented company words from syllables (AXELOR-like), ``n`` of them."""
    syl = np.array(SYLLABLES)
    k = rng.integers(2, 4, size=n)
    parts = [syl[rng.integers(0, len(syl), size=n)] for _ in range(3)]
    out = np.char.add(parts[0], parts[1])
    return np.where(k == 3, np.char.add(out, parts[2]), out)


def _commune_weights(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Relative number of establishments per commune: heavy-tailed, big cities much heavier."""
    w = rng.lognormal(0.0, 1.1, size=len(codes))
    big = np.isin(codes, list(BIG_CITIES))
    w[big] *= 400.0
    w[np.char.startswith(codes.astype(str), "75")] *= 50.0
    return w / w.sum()


def _pick(rng: np.random.Generator, seq: tuple[str, ...] | list[str] | np.ndarray, n: int) -> np.ndarray:
    """``n`` uniform draws from a sequence of strings, as a numpy string array."""
    arr = np.asarray(seq)
    return arr[rng.integers(0, len(arr), size=n)]


def generate_register(n: int, seed: int = 0) -> pd.DataFrame:
    """A SIRENE-layout register of about ``n`` establishments, deterministic for ``seed``.

    Two hidden columns help the bulletin generator: ``_kind`` (chain, hospital, school, townhall, company,
    small) and ``_staff`` (midpoint of the staff band).
    """
    rng = np.random.default_rng(seed)
    com = communes().table
    codes = com["code"].to_numpy(dtype=str)
    names_upper = np.array([plain(x) for x in com["name"]])
    postcodes = com["postcode"].to_numpy(dtype=str)
    cw = _commune_weights(codes, rng)
    naf_codes = naf()["code"].to_numpy(dtype=str)
    nw = _naf_weights(naf_codes)
    nw /= nw.sum()
    trade = _trade_words()
    scale = n / 1_000_000
    parts: list[dict[str, np.ndarray]] = []

    def block(size: int, *, kind: str, commune_idx: np.ndarray, naf_code: np.ndarray, legal: np.ndarray,
              sigle: np.ndarray | str = "", nom: np.ndarray | str = "", prenom: np.ndarray | str = "",
              enseigne: np.ndarray | str = "", usual: np.ndarray | str = "", band: np.ndarray,
              group: np.ndarray, head: np.ndarray) -> None:
        parts.append({
            "_kind": np.full(size, kind), "_commune": commune_idx, "_naf": naf_code, "_legal": legal,
            "_sigle": np.broadcast_to(np.asarray(sigle, dtype=object), size).astype(str),
            "_nom": np.broadcast_to(np.asarray(nom, dtype=object), size).astype(str),
            "_prenom": np.broadcast_to(np.asarray(prenom, dtype=object), size).astype(str),
            "_enseigne": np.broadcast_to(np.asarray(enseigne, dtype=object), size).astype(str),
            "_usual": np.broadcast_to(np.asarray(usual, dtype=object), size).astype(str),
            "_band": band, "_group": group, "_head": head,
        })

    next_group = [0]

    def groups(count: int) -> np.ndarray:
        start = next_group[0]
        next_group[0] += count
        return np.arange(start, start + count)

    # chains and franchises
    for brand, legal, sigle, code, per_million, structure in CHAINS:
        size = max(12, int(per_million * scale))
        idx = rng.choice(len(codes), size=size, p=cw)
        band = rng.choice([5, 6, 7, 8], size=size, p=[0.35, 0.4, 0.18, 0.07])
        if structure == "company":
            g = groups(1)[np.zeros(size, dtype=int)]
            head = np.zeros(size, dtype=bool)
            head[0] = True
            idx[0] = int(np.nonzero(codes == "75056")[0][0]) if rng.random() < 0.6 else idx[0]
            block(size, kind="chain", commune_idx=idx, naf_code=np.full(size, code), legal=np.full(size, legal),
                  sigle=sigle, enseigne=brand if brand != legal else "", band=band, group=g, head=head)
        else:
            owners = _pick(rng, SURNAMES, size)
            legal_names = np.char.add(np.char.add("SAS ", owners), _pick(rng, [" DISTRIBUTION", " EXPLOITATION",
                                                                               " COMMERCE", ""], size))
            block(size, kind="chain", commune_idx=idx, naf_code=np.full(size, code), legal=legal_names,
                  enseigne=np.full(size, brand), band=band, group=groups(size), head=np.ones(size, dtype=bool))

    # CHU: several sites each, in the big cities
    for city_code, city in BIG_CITIES.items():
        pos = np.nonzero(codes == city_code)[0]
        if not len(pos):
            continue
        sites = int(rng.integers(2, 6))
        site_names = np.array(["HOPITAL " + p for p in _pick(rng, PERSONS, sites)])
        g = groups(1)[np.zeros(sites, dtype=int)]
        head = np.zeros(sites, dtype=bool)
        head[0] = True
        block(sites, kind="hospital", commune_idx=np.full(sites, pos[0]), naf_code=np.full(sites, "8610Z"),
              legal=np.full(sites, f"CENTRE HOSPITALIER UNIVERSITAIRE DE {city}"), sigle=f"CHU {city}",
              usual=site_names, band=rng.choice([10, 11, 12], size=sites), group=g, head=head)
    # centres hospitaliers and EHPAD
    size = max(20, int(900 * scale))
    idx = rng.choice(len(codes), size=size, p=cw)
    block(size, kind="hospital", commune_idx=idx, naf_code=np.full(size, "8610Z"),
          legal=np.char.add("CENTRE HOSPITALIER DE ", names_upper[idx]), sigle="CH",
          band=rng.choice([7, 8, 9, 10], size=size), group=groups(size), head=np.ones(size, dtype=bool))
    size = max(20, int(4000 * scale))
    idx = rng.choice(len(codes), size=size, p=cw)
    block(size, kind="hospital", commune_idx=idx, naf_code=np.full(size, "8710A"),
          legal=np.char.add("EHPAD ", _pick(rng, ["LES " + s for s in ("GLYCINES", "TILLEULS", "ROSIERS",
                                                                      "CHENES", "LILAS", "JARDINS")] +
                                             ["RESIDENCE " + p for p in PERSONS[:10]], size)),
          band=rng.choice([6, 7], size=size), group=groups(size), head=np.ones(size, dtype=bool))
    # schools
    size = max(30, int(30000 * scale))
    idx = rng.choice(len(codes), size=size, p=cw)
    school_kind = rng.choice(["ECOLE ELEMENTAIRE ", "ECOLE MATERNELLE ", "COLLEGE ", "LYCEE "], size=size,
                             p=[0.45, 0.2, 0.22, 0.13])
    school_naf = np.select([school_kind == "COLLEGE ", school_kind == "LYCEE ", school_kind == "ECOLE MATERNELLE "],
                           ["8531Z", "8532Z", "8510Z"], "8520Z")
    block(size, kind="school", commune_idx=idx, naf_code=school_naf,
          legal=np.char.add(school_kind, _pick(rng, PERSONS, size)),
          band=np.where(school_kind == "LYCEE ", 7, np.where(school_kind == "COLLEGE ", 6, 5)),
          group=groups(size), head=np.ones(size, dtype=bool))
    # town halls: one per commune drawn (without repetition), weighted by size
    size = min(len(codes), max(30, int(34000 * scale)))
    idx = rng.choice(len(codes), size=size, replace=False, p=cw)
    heavy = cw[idx] / cw[idx].max()
    block(size, kind="townhall", commune_idx=idx, naf_code=np.full(size, "8411Z"),
          legal=np.char.add("COMMUNE DE ", names_upper[idx]),
          band=np.clip((3 + heavy * 60 + rng.integers(0, 3, size)).astype(int), 3, 14),
          group=groups(size), head=np.ones(size, dtype=bool))
    # multi-establishment companies with their head office
    used = sum(len(p["_kind"]) for p in parts)
    n_multi = int(0.12 * max(0, n - used))
    n_comp = max(1, n_multi // 4)
    sizes = rng.integers(2, 8, size=n_comp)
    comp_of = np.repeat(np.arange(n_comp), sizes)[:n_multi]
    n_multi = len(comp_of)
    comp_naf = rng.choice(naf_codes, size=n_comp, p=nw)
    comp_home = rng.choice(len(codes), size=n_comp, p=cw)
    comp_name = np.where(rng.random(n_comp) < 0.5,
                         np.char.add(np.char.add(_invented(rng, n_comp), " "), _pick(rng, SUFFIXES, n_comp)),
                         np.char.add(np.char.add(_pick(rng, SURNAMES, n_comp), " "),
                                     np.array([trade[c] for c in comp_naf])))
    comp_sigle = np.where(rng.random(n_comp) < 0.3, _invented(rng, n_comp), "")
    first = np.r_[True, comp_of[1:] != comp_of[:-1]]
    # other establishments mostly in the same département as the head office
    near = rng.random(n_multi) < 0.7
    dep_of = np.array([departement_of(c) for c in codes])
    home = comp_home[comp_of]
    anywhere = rng.choice(len(codes), size=n_multi, p=cw)
    same_dep = _same_departement_draw(rng, dep_of, cw, home)
    idx = np.where(first, home, np.where(near, same_dep, anywhere))
    block(n_multi, kind="company", commune_idx=idx, naf_code=comp_naf[comp_of], legal=comp_name[comp_of],
          sigle=comp_sigle[comp_of],
          enseigne=np.where(rng.random(n_multi) < 0.15, _invented(rng, n_multi), ""),
          band=np.where(first, rng.choice([6, 7, 8, 9], size=n_multi), rng.choice([3, 4, 5, 6, 7], size=n_multi)),
          group=groups(n_comp)[comp_of], head=first)
    # single-establishment small businesses (the bulk of the register)
    used = sum(len(p["_kind"]) for p in parts)
    m = max(0, int((n - used) / 1.08))
    idx = rng.choice(len(codes), size=m, p=cw)
    small_naf = rng.choice(naf_codes, size=m, p=nw)
    tw = np.array([trade[c] for c in small_naf])
    sn = _pick(rng, SURNAMES, m)
    template = rng.choice(5, size=m, p=[0.25, 0.18, 0.25, 0.22, 0.10])
    places = _pick(rng, ["DU CENTRE", "DE LA GARE", "DE LA PLACE", "DU MARCHE", "DU PORT", "DES HALLES",
                         "DE LA MAIRIE", "DU LAC", "DU CHATEAU", "DES ALPES"], m)
    inv = _invented(rng, m)
    legal_small = np.select(
        [template == 0, template == 1, template == 2, template == 4],
        [np.char.add(np.char.add(tw, " "), sn),
         np.char.add(sn, _pick(rng, [" ET FILS", " FRERES", " & CIE", " " + "SERVICES"], m)),
         np.char.add(inv, np.where(rng.random(m) < 0.5, np.char.add(" ", _pick(rng, SUFFIXES, m)), "")),
         np.char.add(np.char.add(tw, " "), places)],
        "",
    )
    form = _pick(rng, ["SARL ", "SAS ", "EURL ", "SASU ", "", "", ""], m)
    legal_small = np.where(template == 3, "", np.char.add(form, legal_small))
    block(m, kind="small", commune_idx=idx, naf_code=small_naf, legal=legal_small,
          nom=np.where(template == 3, sn, ""), prenom=np.where(template == 3, _pick(rng, FIRST_NAMES, m), ""),
          enseigne=np.where(rng.random(m) < 0.25, np.where(rng.random(m) < 0.5, np.char.add(np.char.add(tw, " "),
                                                                                       places), inv), ""),
          band=rng.choice(np.arange(0, 8), size=m, p=[0.1, 0.25, 0.2, 0.15, 0.12, 0.1, 0.06, 0.02]),
          group=groups(m), head=np.ones(m, dtype=bool))

    reg = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    # closed establishments: a former address of an existing unit, often in the same commune
    total = len(reg["_kind"])
    n_closed = max(0, n - total)
    src = rng.choice(total, size=n_closed)
    moved = rng.random(n_closed) < 0.4
    closed_idx = np.where(moved, rng.choice(len(codes), size=n_closed, p=cw), reg["_commune"][src])
    for k in reg:
        reg[k] = np.concatenate([reg[k], reg[k][src]])
    reg["_commune"][total:] = closed_idx
    reg["_head"][total:] = False
    state = np.full(total + n_closed, "A")
    state[total:] = "F"
    size = len(state)

    group = reg["_group"]
    order = np.argsort(group, kind="stable")
    seq = np.empty(size, dtype=np.int64)
    gs = group[order]
    starts = np.r_[0, np.nonzero(gs[1:] != gs[:-1])[0] + 1]
    run_id = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, size]))
    seq[order] = np.arange(size) - starts[run_id] + 1
    siren_of_group = _sirens(rng, int(group.max()) + 1)
    siren = siren_of_group[group]
    nic, siret = _sirets(siren, seq)

    ci = reg["_commune"]
    number = np.where(rng.random(size) < 0.12, "", rng.integers(1, 180, size=size).astype(str))
    stype = rng.choice(STREET_TYPE_CHOICES, size=size, p=STREET_TYPE_P)
    sname = np.where(rng.random(size) < 0.8, _pick(rng, STREET_NAMES, size), _pick(rng, PERSONS, size))
    complement = np.where(rng.random(size) < 0.08, _pick(rng, ["ZA DES " + s for s in ("PINS", "FORGES", "BRUYERES")]
                                                        + ["BATIMENT " + s for s in "ABCD"]
                                                        + ["CENTRE COMMERCIAL LES " + s for s in ("ARCADES",
                                                                                                  "PORTES")], size),
                          "")
    band_idx = np.clip(reg["_band"].astype(int), 0, len(BAND_CODES) - 1)
    frame = pd.DataFrame({
        "siren": np.char.zfill(siren.astype(str), 9),
        "nic": nic,
        "siret": siret,
        "etablissementSiege": np.where(reg["_head"], "true", "false"),
        "trancheEffectifsEtablissement": BAND_CODES[band_idx],
        "numeroVoieEtablissement": number,
        "typeVoieEtablissement": stype,
        "libelleVoieEtablissement": sname,
        "complementAdresseEtablissement": complement,
        "codePostalEtablissement": postcodes[ci],
        "libelleCommuneEtablissement": names_upper[ci],
        "codeCommuneEtablissement": codes[ci],
        "etatAdministratifEtablissement": state,
        "enseigne1Etablissement": reg["_enseigne"],
        "enseigne2Etablissement": "",
        "enseigne3Etablissement": "",
        "denominationUsuelleEtablissement": reg["_usual"],
        "activitePrincipaleEtablissement": np.array([c[:2] + "." + c[2:] for c in reg["_naf"]]),
        "denominationUniteLegale": reg["_legal"],
        "sigleUniteLegale": reg["_sigle"],
        "nomUniteLegale": reg["_nom"],
        "prenom1UniteLegale": reg["_prenom"],
        "_kind": reg["_kind"],
        "_staff": BAND_STAFF[band_idx],
    })
    frame = frame.drop_duplicates("siret").reset_index(drop=True)
    return frame


def _same_departement_draw(rng: np.random.Generator, dep_of: np.ndarray, cw: np.ndarray,
                           home: np.ndarray) -> np.ndarray:
    """For each ``home`` commune, another commune of its département drawn by commune weight."""
    out = np.empty(len(home), dtype=np.int64)
    deps = dep_of[home]
    for dep in np.unique(deps):
        members = np.nonzero(dep_of == dep)[0]
        w = cw[members] / cw[members].sum()
        rows = np.nonzero(deps == dep)[0]
        out[rows] = members[rng.choice(len(members), size=len(rows), p=w)]
    return out


def _typo(rng: np.random.Generator, text: str) -> str:
    """One keyboard slip: a swapped, dropped, doubled or replaced letter."""
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 1))
    op = int(rng.integers(0, 4))
    if op == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if op == 1:
        return text[:i] + text[i + 1:]
    if op == 2:
        return text[:i] + text[i] + text[i:]
    return text[:i] + "aeioumnrst"[int(rng.integers(0, 10))] + text[i + 1:]


def _case(rng: np.random.Generator, text: str) -> str:
    """Written as people do: upper, title or lower case, accents sometimes lost."""
    u = rng.random()
    if u < 0.4:
        return text.upper()
    if u < 0.8:
        return text.title()
    return text.lower()


def _abbreviate(rng: np.random.Generator, text: str) -> str:
    """Shorten one long word (``GENERAL`` → ``GEN.``) or drop a middle word."""
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) > 6]
    if long_words and rng.random() < 0.6:
        i = long_words[int(rng.integers(0, len(long_words)))]
        words[i] = words[i][: int(rng.integers(3, 5))] + "."
    elif len(words) >= 3:
        del words[int(rng.integers(1, len(words)))]
    return " ".join(words)


def _strip_form(text: str) -> str:
    """The name without its legal form (people rarely write SARL or SAS)."""
    words = [w for w in text.split() if w not in ("SARL", "SAS", "EURL", "SASU", "SA")]
    return " ".join(words)


def _written_name(rng: np.random.Generator, row: dict[str, str], kind: str, commune_written: str) -> str:
    """The employer name as a person writes it for one establishment."""
    legal = _strip_form(row["denominationUniteLegale"])
    sigle, ens, usual = row["sigleUniteLegale"], row["enseigne1Etablissement"], row["denominationUsuelleEtablissement"]
    city = row["libelleCommuneEtablissement"].title()
    u = rng.random()
    if kind == "townhall":
        options = [f"Mairie de {city}", "Mairie", f"Ville de {city}", f"Commune de {city}", f"mairie {city}",
                   f"Hôtel de ville de {city}"]
        return options[int(rng.choice(6, p=[0.45, 0.2, 0.12, 0.1, 0.08, 0.05]))]
    if kind == "hospital":
        if legal.startswith("CENTRE HOSPITALIER UNIVERSITAIRE"):
            town = legal.removeprefix("CENTRE HOSPITALIER UNIVERSITAIRE DE ").title()
            options = ["CHU", f"CHU de {town}", f"CHU {town}", usual.title() if usual else "Hôpital",
                       "Centre hospitalier universitaire", f"Hôpital {town}"]
            return options[int(rng.choice(6, p=[0.3, 0.25, 0.1, 0.2, 0.1, 0.05]))]
        if legal.startswith("CENTRE HOSPITALIER"):
            options = ["Centre hospitalier", f"Hôpital de {city}", f"CH {city}", "Hopital", legal.title()]
            return options[int(rng.choice(5, p=[0.25, 0.3, 0.15, 0.15, 0.15]))]
        return legal.title() if u < 0.7 else "Maison de retraite " + legal.split(" ", 1)[-1].title()
    if kind == "school":
        return legal.title() if u < 0.75 else _abbreviate(rng, legal.title())
    if kind == "chain":
        brand = ens or legal
        if brand == "E.LECLERC" and u < 0.7:
            return "Leclerc" if rng.random() < 0.6 else f"Leclerc {city}"
        if sigle and u < 0.35:
            return sigle if rng.random() < 0.7 else f"{sigle} {city}"
        if u < 0.85:
            return brand.title() if rng.random() < 0.7 else f"{brand.title()} {city}"
        return legal.title() if legal else brand.title()
    if not legal:  # individual entrepreneur
        first, last = row["prenom1UniteLegale"].title(), row["nomUniteLegale"].title()
        options = [f"{first} {last}", last, f"{last} {first}", ens.title() if ens else f"M. {last}"]
        return options[int(rng.choice(4, p=[0.4, 0.25, 0.15, 0.2]))]
    if sigle and u < 0.25:
        return sigle
    if ens and u < 0.6:
        return ens.title()
    if usual and u < 0.7:
        return usual.title()
    return legal.title() if rng.random() < 0.6 else legal


def activity_text(rng: np.random.Generator, label: str) -> str:
    """An activity as people describe it: a few words of the NAF label, abridged, with slips."""
    words = [w for w in plain(label).lower().split() if len(w) > 2 and w not in ("les", "des", "aux", "non")]
    if not words:
        return label.lower()
    k = int(rng.integers(1, min(4, len(words)) + 1))
    start = int(rng.integers(0, max(1, len(words) - k + 1))) if rng.random() < 0.4 else 0
    chosen = words[start:start + k]
    text = " ".join(chosen)
    if rng.random() < 0.15:
        text = _typo(rng, text)
    return text


NONCODABLE_TEXT: dict[str, tuple[list[str], list[str], list[str]]] = {
    # reason: (employer names, activities, workplace communes)
    "travail à domicile": (
        ["à domicile", "domicile", "chez moi", "travail à domicile", "Auto-entrepreneur domicile", "mon domicile",
         "assistante maternelle agréée"],
        ["assistante maternelle", "garde d'enfants", "couture", "traduction", "conseil informatique"],
        ["domicile", "à mon domicile", ""],
    ),
    "particulier employeur": (
        ["particulier", "particuliers", "chez des particuliers", "particulier employeur", "CESU", "emploi familial",
         "plusieurs particuliers"],
        ["ménage", "garde d'enfants", "aide à domicile", "jardinage", "repassage"],
        ["", "divers", "chez les particuliers"],
    ),
    "travail à l'étranger": (
        ["Hôpital cantonal de Genève", "Migros", "Banque de Luxembourg", "Commune de Bâle", "Monaco Telecom",
         "Daimler AG", "Ferrovie", "Entreprise suisse", "Administration luxembourgeoise"],
        ["banque", "santé", "commerce", "industrie automobile", "hôtellerie"],
        ["Genève", "Luxembourg", "Bâle", "Monaco", "Lausanne", "Stuttgart", "Bruxelles", "Turin"],
    ),
    "lieu de travail variable": (
        ["intérim", "intérimaire", "plusieurs employeurs", "chantiers", "divers employeurs", "agence d'intérim",
         "saisonnier", "entreprises diverses"],
        ["bâtiment", "transport routier", "manutention", "maçonnerie", "travaux agricoles", "chauffeur"],
        ["variable", "chantiers divers", "itinérant", "divers", "France entière", "sans lieu fixe"],
    ),
}


def generate_bulletins(register: pd.DataFrame, n: int, seed: int = 0, id_prefix: str = "B") -> pd.DataFrame:
    """``n`` census bulletins drawn from ``register`` with their truth (SIRET, non-codable reason, NAF)."""
    rng = np.random.default_rng(seed)
    com = communes()
    com_codes = com.table["code"].to_numpy(dtype=str)
    com_names = com.table["name"].to_numpy(dtype=str)
    dep_of = np.array([departement_of(c) for c in com_codes])
    code_pos = {c: i for i, c in enumerate(com_codes)}
    merged = merged_communes()
    old_names: dict[str, list[str]] = {}
    for old, succ in zip(merged["name"], merged["successor"], strict=True):
        old_names.setdefault(succ, []).append(old)
    naf_label = dict(zip(naf()["code"], naf()["label"], strict=True))

    open_mask = register["etatAdministratifEtablissement"].to_numpy(dtype=str) == "A"
    weight = register["_staff"].to_numpy(dtype=float) * open_mask
    weight = weight / weight.sum()
    chosen = rng.choice(len(register), size=n, p=weight)
    kinds = register["_kind"].to_numpy(dtype=str)
    cols = ["siret", "siren", "denominationUniteLegale", "sigleUniteLegale", "enseigne1Etablissement",
            "denominationUsuelleEtablissement", "nomUniteLegale", "prenom1UniteLegale", "libelleCommuneEtablissement",
            "codeCommuneEtablissement", "numeroVoieEtablissement", "typeVoieEtablissement", "libelleVoieEtablissement",
            "complementAdresseEtablissement", "activitePrincipaleEtablissement", "etablissementSiege"]
    rows = _records(register[cols].iloc[chosen])
    head_rows = _head_offices(register)

    reason_draw = rng.random(n)
    thresholds = np.cumsum([0.011, 0.018, 0.012, 0.010, 0.016])
    reason_idx = np.searchsorted(thresholds, reason_draw, side="right")  # 5 = codable
    out: dict[str, list[str]] = {k: [] for k in (
        "bulletin_id", "employer_name", "activity", "street_number", "street_type", "street_name",
        "address_complement", "commune", "departement", "residence_code", "profession", "siret",
        "noncodable_reason", "naf")}
    professions = ["employé", "ouvrier", "cadre", "technicien", "agent", "vendeuse", "infirmière", "professeur",
                   "chauffeur", "secrétaire", "ingénieur", "aide-soignante", "comptable", "magasinier", "cuisinier"]
    for i, row in enumerate(rows):
        kind = kinds[chosen[i]]
        work_code = row["codeCommuneEtablissement"]
        if rng.random() < 0.1 and row["etablissementSiege"] == "false" and row["siren"] in head_rows:
            given = head_rows[row["siren"]]  # the head office's address instead of the workplace's
        else:
            given = row
        given_code = given["codeCommuneEtablissement"]
        wp = code_pos.get(work_code, 0)
        u = rng.random()
        if u < 0.45:
            res = wp
        elif u < 0.85:
            same = np.nonzero(dep_of == dep_of[wp])[0]
            res = int(same[rng.integers(0, len(same))])
        else:
            res = int(rng.integers(0, len(com_codes)))
        naf_code = row["activitePrincipaleEtablissement"].replace(".", "")
        reason = int(reason_idx[i])
        out["bulletin_id"].append(f"{id_prefix}{seed:03d}-{i:07d}")
        out["residence_code"].append(com_codes[res])
        out["profession"].append(professions[int(rng.integers(0, len(professions)))])
        if reason < 5:
            label = NONCODABLE_REASONS[reason]
            out["siret"].append("")
            out["noncodable_reason"].append(label)
            if reason == 0:
                out["employer_name"].append("")
                act = activity_text(rng, naf_label.get(naf_code, "")) if rng.random() > 0.068 else ""
                out["activity"].append(act)
                out["naf"].append(naf_code if act else "")
                comm = com_names[res] if rng.random() < 0.5 else ""
                out["commune"].append(comm)
                out["departement"].append(dep_of[res])
            else:
                names, acts, places = NONCODABLE_TEXT[label]
                out["employer_name"].append(names[int(rng.integers(0, len(names)))])
                out["activity"].append(acts[int(rng.integers(0, len(acts)))] if rng.random() > 0.068 else "")
                out["naf"].append("")
                place = places[int(rng.integers(0, len(places)))]
                if label == "travail à domicile" and place == "":
                    place = com_names[res]
                out["commune"].append(place)
                out["departement"].append("99" if label == "travail à l'étranger" and rng.random() < 0.7
                                          else dep_of[res])
            for key in ("street_number", "street_type", "street_name", "address_complement"):
                out[key].append("")
            continue
        out["siret"].append(row["siret"])
        out["noncodable_reason"].append("")
        out["naf"].append(naf_code)
        comm_written = given["libelleCommuneEtablissement"].title()
        if given_code in old_names and rng.random() < 0.3:
            olds = old_names[given_code]
            comm_written = olds[int(rng.integers(0, len(olds)))]
        if rng.random() < 0.08:
            comm_written = _typo(rng, comm_written)
        name = _written_name(rng, row, kind, comm_written)
        if rng.random() < 0.3:
            name = plain(name).title() if rng.random() < 0.5 else name
        if rng.random() < 0.25:
            name = _typo(rng, name)
            if rng.random() < 0.3:
                name = _typo(rng, name)
        if rng.random() < 0.08:
            name = _abbreviate(rng, name)
        out["employer_name"].append(_case(rng, name) if rng.random() < 0.5 else name)
        act = activity_text(rng, naf_label.get(naf_code, "")) if rng.random() > 0.068 else ""
        out["activity"].append(act)
        out["street_number"].append(given["numeroVoieEtablissement"] if rng.random() > 0.67 else "")
        st = given["typeVoieEtablissement"]
        written_types = STREET_TYPE_WRITTEN.get(st, [st.lower()])
        out["street_type"].append(written_types[int(rng.integers(0, len(written_types)))] if rng.random() > 0.49
                                  else "")
        street = given["libelleVoieEtablissement"]
        if rng.random() < 0.1:
            street = _typo(rng, street)
        if rng.random() < 0.1:
            street = _abbreviate(rng, street)
        out["street_name"].append(_case(rng, street) if rng.random() > 0.28 else "")
        comp = given["complementAdresseEtablissement"]
        out["address_complement"].append(comp.title() if comp and rng.random() < 0.4 else "")
        out["commune"].append(comm_written if rng.random() > 0.36 else "")
        out["departement"].append(departement_of(given_code) if rng.random() > 0.03 else "")
    return pd.DataFrame(out)


def _head_offices(register: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Address fields of each multi-establishment company's head office, by SIREN."""
    kinds = register["_kind"].to_numpy(dtype=str)
    heads = register[(register["etablissementSiege"] == "true") & np.isin(kinds, ["company", "chain", "hospital"])]
    cols = ["siren", "libelleCommuneEtablissement", "codeCommuneEtablissement", "numeroVoieEtablissement",
            "typeVoieEtablissement", "libelleVoieEtablissement", "complementAdresseEtablissement"]
    return {r["siren"]: r for r in _records(heads[cols])}


def _records(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Rows of a frame as dicts of strings."""
    return [{str(k): str(v) for k, v in row.items()} for row in frame.astype(str).to_dict("records")]
