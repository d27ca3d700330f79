"""Input and output items of employer matching: one census bulletin, one proposal.

Field names are snake_case; aliases are the column names of INSEE's census coding files (``rs_x`` employer
name, ``actet_x`` activity, ``numvoi_x``/``typevoi_x``/``nomvoi_x``/``cpladr_x`` workplace address,
``clt_x`` workplace commune, ``dlt_x`` workplace département, ``profs_x`` profession) plus the commune of the
dwelling where the bulletin was collected (``depcom``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from iapublique.core.service import ResultBase


class Record(BaseModel):
    """One census bulletin's workplace questions, as the person filled them in."""

    model_config = ConfigDict(populate_by_name=True)

    bulletin_id: str = Field(alias="id_bulletin", description="Identifiant du bulletin")
    employer_name: str | None = Field(default=None, alias="rs_x", description="Nom de l'employeur déclaré")
    activity: str | None = Field(default=None, alias="actet_x", description="Activité de l'établissement déclarée")
    street_number: str | None = Field(default=None, alias="numvoi_x", description="Numéro dans la voie du lieu de "
                                      "travail")
    street_type: str | None = Field(default=None, alias="typevoi_x", description="Type de voie (rue, avenue…)")
    street_name: str | None = Field(default=None, alias="nomvoi_x", description="Nom de la voie du lieu de travail")
    address_complement: str | None = Field(default=None, alias="cpladr_x", description="Complément d'adresse")
    commune: str | None = Field(default=None, alias="clt_x", description="Commune du lieu de travail déclarée")
    departement: str | None = Field(default=None, alias="dlt_x", description="Département du lieu de travail "
                                    "(99 : étranger)")
    residence_code: str | None = Field(default=None, alias="depcom", description="Code INSEE de la commune du "
                                       "logement où le bulletin a été collecté")
    profession: str | None = Field(default=None, alias="profs_x", description="Profession déclarée")


class Result(ResultBase):
    """The proposed establishment, its calibrated probability, the decisions and the ten candidates."""

    bulletin_id: str = Field(description="Identifiant du bulletin")
    proposed_siret: str | None = Field(default=None, description="SIRET de l'établissement proposé en premier")
    proposed_name: str | None = Field(default=None, description="Nom de l'établissement proposé")
    probability: float = Field(description="Probabilité calibrée que l'établissement proposé soit le bon")
    auto_coded: bool = Field(description="Codé automatiquement (probabilité au-dessus du seuil de précision visé)")
    noncodable: bool = Field(description="Bulletin non codable (aucun établissement ne peut être attribué)")
    noncodable_label: str | None = Field(default=None, description="Motif de non-codage (domicile, étranger…)")
    naf_top5: str = Field(
        description="Cinq codes NAF suggérés (JSON : code, libellé, score)", json_schema_extra={"in_table": False}
    )
    candidates: str = Field(
        json_schema_extra={"in_table": False},
        description="Dix meilleurs établissements (JSON : SIRET, nom, enseigne, adresse, NAF, "
        "effectif, siège, ouvert, distance, score, champs concordants)",
    )
