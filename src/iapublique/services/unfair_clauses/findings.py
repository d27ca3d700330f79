"""A finding: one problem in a document (unfair clause, missing mention, calculation error)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Finding:
    """One problem found in a document, with where it is, why, and on which legal basis."""

    code: str
    category: str
    basis: str
    severity: str
    family: str
    clause_index: int
    start: int
    end: int
    triggers: list[dict[str, Any]] = field(default_factory=list)
    explanation: str = ""
    probability: float = 0.0
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``findings`` column holds a list of these)."""
        return asdict(self)
