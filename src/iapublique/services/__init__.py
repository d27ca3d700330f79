"""Built-in services, one sub-package each (registered through entry points)."""
