"""The orders' adapters, named after their ports."""
