"""A real SIRENE extract loads as is, is stored in DuckDB and indexed once, keyed by its content hash."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from iapublique.services.employer_matching import register as reg
from iapublique.services.employer_matching.matching import manual_search, parse, search
from iapublique.services.employer_matching.schema import Record
from iapublique.settings import Settings

from .conftest import Small

EXTRACT = "\n".join([
    "siren,nic,siret,etablissementSiege,trancheEffectifsEtablissement,numeroVoieEtablissement,typeVoieEtablissement,"
    "libelleVoieEtablissement,complementAdresseEtablissement,codePostalEtablissement,libelleCommuneEtablissement,"
    "codeCommuneEtablissement,etatAdministratifEtablissement,enseigne1Etablissement,enseigne2Etablissement,"
    "enseigne3Etablissement,denominationUsuelleEtablissement,activitePrincipaleEtablissement,denominationUniteLegale,"
    "sigleUniteLegale,nomUniteLegale,prenom1UniteLegale",
    "552081317,00011,55208131700011,true,53,22,AV,DE WAGRAM,,75008,PARIS 8,75108,A,,,,,35.11Z,ELECTRICITE DE FRANCE,"
    "EDF,,",
    "552081317,00029,55208131700029,false,32,3,RUE,DU BUGEY,,01120,MONTLUEL,01262,A,,,,CENTRALE DU BUGEY,35.11Z,"
    "ELECTRICITE DE FRANCE,EDF,,",
    "267500452,00017,26750045200017,true,53,3,AV,VICTORIA,,75004,PARIS 4,75104,A,,,,,86.10Z,"
    "ASSISTANCE PUBLIQUE HOPITAUX DE PARIS,APHP,,",
    "213800185,00015,21380018500015,true,42,11,BD,JEAN PAIN,,38000,GRENOBLE,38185,A,,,,,84.11Z,COMMUNE DE GRENOBLE,,,",
    "813494451,00017,81349445100017,true,01,4,PL,DU MARCHE,,69003,LYON 3EME,69123,A,BOULANGERIE DU MARCHE,,,,10.71C,,,"
    "DURAND,SOPHIE",
    "813494451,00025,81349445100025,false,NN,8,RUE,VENDOME,,69006,LYON,69123,F,BOULANGERIE DU MARCHE,,,,10.71C,,,"
    "DURAND,SOPHIE",
    "",
])


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    path = tmp_path / "StockEtablissement_extrait.csv"
    path.write_text(EXTRACT, encoding="utf-8")
    return path


def test_a_sirene_extract_is_read_stored_and_indexed_once(extract: Path, tmp_path: Path) -> None:
    spec = reg.file_spec(extract)
    digest, folder = reg.ensure(spec, tmp_path / "data")
    assert digest == reg.spec_hash(spec) and (folder / "ready.json").exists()
    stamp = (folder / "index.npz").stat().st_mtime_ns
    assert reg.ensure(spec, tmp_path / "data") == (digest, folder)
    assert (folder / "index.npz").stat().st_mtime_ns == stamp  # not rebuilt
    con = duckdb.connect(str(folder / "register.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM etablissements").fetchone() == (6,)
    con.close()
    index = reg.load(folder)
    assert index.n == 6 and index.head.sum() == 4 and (~index.open).sum() == 1
    rows = index.rows_of_sirets(["55208131700029", "00000000000000"])
    assert rows[1] == -1 and index.display(rows[:1])["libelleCommuneEtablissement"].iloc[0] == "MONTLUEL"


def test_acronyms_old_names_and_individuals_are_found(extract: Path, tmp_path: Path) -> None:
    _, folder = reg.ensure(reg.file_spec(extract), tmp_path / "data")
    index = reg.load(folder)
    import pandas as pd

    bulletins = pd.DataFrame({
        "bulletin_id": ["1", "2", "3"],
        "employer_name": ["EDF centrale", "Mairie", "boulangerie durand"],
        "commune": ["Montluel", "Grenoble", "Lyon"],
        "departement": ["01", "38", "69"],
        "residence_code": ["01262", "38185", "69123"],
    })
    cands = search(index, parse(bulletins), None)
    best = cands.sort_values(["q", "stage"], ascending=[True, False]).drop_duplicates("q")
    sirets = index.siret[best["row"].to_numpy()]
    assert list(sirets) == ["55208131700029", "21380018500015", "81349445100017"]
    found = manual_search(index, number="552081317")
    assert set(index.siret[found]) == {"55208131700011", "55208131700029"}
    assert index.siret[manual_search(index, name="APHP")][0] == "26750045200017"


def test_a_broken_extract_is_refused_in_french(tmp_path: Path) -> None:
    path = tmp_path / "casse.csv"
    path.write_text("siret,denominationUniteLegale\n123,X\n", encoding="utf-8")
    with pytest.raises(reg.RegisterError, match="colonne obligatoire absente"):
        reg.read_sirene(path)
    path.write_text("siret,codeCommuneEtablissement,activitePrincipaleEtablissement,denominationUniteLegale\n"
                    "123,69123,10.71C,X\n", encoding="utf-8")
    with pytest.raises(reg.RegisterError, match=r"ligne 2.*SIRET"):
        reg.read_sirene(path)


def test_evaluate_on_a_register_file_and_labelled_bulletins(small: Small, tmp_settings: Settings,
                                                           tmp_path: Path) -> None:
    from iapublique.services.employer_matching import EmployerMatchingService
    from iapublique.services.employer_matching.synthetic import REGISTER_COLUMNS, generate_bulletins

    register_file = tmp_path / "StockEtablissement.csv"
    small.frame[list(REGISTER_COLUMNS)].to_csv(register_file, index=False)
    bulletins = generate_bulletins(small.frame, 800, seed=31)
    shown = {name: (field.alias or name) for name, field in Record.model_fields.items()}
    bulletins_file = tmp_path / "bulletins.csv"
    bulletins.rename(columns=shown).to_csv(bulletins_file, index=False, sep=";")
    got = EmployerMatchingService().evaluate_with({"registre": str(register_file), "bulletins": str(bulletins_file)})
    assert got["register_establishments"] == len(small.frame)
    assert 100 < got["bulletins"] < 250 and got["top1"] > 0.8 and got["recall_at_100"] > 0.9
    with pytest.raises(ValueError, match="--bulletins"):
        EmployerMatchingService().evaluate_with({"registre": str(register_file)})


def test_arrondissements_postcodes_and_missing_places_are_handled(extract: Path, tmp_path: Path) -> None:
    import pandas as pd

    _, folder = reg.ensure(reg.file_spec(extract), tmp_path / "data")
    index = reg.load(folder)
    bulletins = pd.DataFrame({
        "bulletin_id": ["1", "2"],
        "employer_name": ["Electricite de France", "Assistance publique hopitaux de Paris"],
        "commune": ["75008 Paris 8e arrondissement", None],
        "departement": ["075", None],
    })
    q = parse(bulletins)
    assert list(q.commune) == ["75056", ""] and list(q.dep) == ["75", ""]
    cands = search(index, q, None)
    best = cands.sort_values(["q", "stage"], ascending=[True, False]).drop_duplicates("q")
    assert list(index.siret[best["row"].to_numpy()]) == ["55208131700011", "26750045200017"]
