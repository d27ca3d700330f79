"""Explanation objects, rendered the same way for every service by the UI, API and CLI."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field


class Factor(BaseModel):
    """One reason behind a result, in French, with its signed weight."""

    label: str = Field(description="Raison, en français")
    value: str | None = Field(default=None, description="Valeur observée (texte lisible)")
    weight: float = Field(default=0.0, description="Poids signé de la raison dans le score")


class Highlight(BaseModel):
    """A span of the input text that triggered the result."""

    field: str = Field(description="Champ de l'entrée")
    start: int = Field(description="Début du passage (caractère)")
    end: int = Field(description="Fin du passage (caractère, exclue)")
    label: str | None = Field(default=None, description="Pourquoi ce passage est signalé")


class Explanation(BaseModel):
    """Why a service produced a result: a French sentence, its main factors, highlighted spans."""

    summary: str = Field(description="Explication en une ou deux phrases")
    factors: list[Factor] = Field(default_factory=list, description="Principales raisons")
    highlights: list[Highlight] = Field(default_factory=list, description="Passages surlignés")

    def to_json(self) -> str:
        """Serialise for a table cell."""
        return self.model_dump_json()

    @classmethod
    def from_cell(cls, cell: object) -> Explanation:
        """Read back from a table cell (JSON string or dict)."""
        if isinstance(cell, Explanation):
            return cell
        if isinstance(cell, str):
            return cls.model_validate(json.loads(cell))
        return cls.model_validate(cell)
