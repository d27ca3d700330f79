"""Entry point for ``python -m iapublique``."""

from iapublique.cli import main

main()
