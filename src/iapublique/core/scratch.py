"""A throw-away platform for benchmarks: its own data folder and SQLite database, the caller's settings restored."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from iapublique.core.store import db
from iapublique.settings import get_settings

_SETTINGS_VARS = ("IAPUBLIQUE_DATA_DIR", "IAPUBLIQUE_DATABASE_URL", "IAPUBLIQUE_ENGINE")


@contextmanager
def scratch_platform() -> Iterator[Path]:
    """A temporary data folder with an up-to-date database (e.g. to time the REST API); removed afterwards."""
    saved = {k: os.environ.get(k) for k in _SETTINGS_VARS}
    with tempfile.TemporaryDirectory() as folder:
        os.environ["IAPUBLIQUE_DATA_DIR"] = folder
        for name in _SETTINGS_VARS[1:]:
            os.environ.pop(name, None)
        get_settings.cache_clear()
        try:
            get_settings().ensure_dirs()
            db.init_db()
            yield Path(folder)
        finally:
            db.dispose_engines()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            get_settings.cache_clear()
