"""The oven's domain: pure Python, no AWS. ``model`` (values, decisions), ``ports``, ``oven`` (use cases)."""
