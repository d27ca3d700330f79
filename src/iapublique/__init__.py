"""IA Publique: AI services for French public administrations."""

__version__ = "0.1.0"
