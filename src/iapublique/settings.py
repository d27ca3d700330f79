"""Settings from ``IAPUBLIQUE_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Platform settings; every field can be set with an ``IAPUBLIQUE_`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="IAPUBLIQUE_", env_file=None)

    data_dir: Path = Field(default=Path(".iapublique"), description="Dossier des données de l'application")
    database_url: str = Field(default="", description="URL SQLAlchemy; SQLite dans data_dir par défaut")
    engine: Literal["local", "spark"] = Field(default="local", description="Moteur des traitements par lot")
    spark_master: str = Field(default="local[2]", description="URL du maître Spark")
    spark_remote: str = Field(default="", description="URL Spark Connect (sc://…), prioritaire si renseignée")
    workers: int = Field(default=2, description="Processus du moteur local")
    theme: Literal["neutre", "etat"] = Field(default="neutre", description="Thème de l'interface")
    secret_key: str = Field(default="", description="Clé de signature des sessions (générée si vide)")
    max_upload_mb: int = Field(default=50, description="Taille maximale d'un fichier déposé (Mo)")
    sync_max_rows: int = Field(default=1_000, description="Lignes au plus pour un traitement synchrone")
    jobs_immediate: bool = Field(default=False, description="Exécuter les travaux sans file (tests)")
    host: str = Field(default="127.0.0.1", description="Adresse d'écoute")
    port: int = Field(default=8000, description="Port d'écoute")

    @property
    def db_url(self) -> str:
        """The database URL, SQLite in the data directory unless one is given."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'iapublique.db').resolve()}"

    def ensure_dirs(self) -> None:
        """Create the data directory layout."""
        for sub in ("", "models", "jobs", "uploads", "demo"):
            (self.data_dir / sub).mkdir(parents=True, exist_ok=True)


@cache
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache after changing the environment)."""
    return Settings()
