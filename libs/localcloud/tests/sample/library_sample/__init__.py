"""Handlers of the sample stack used by localcloud's own tests: a small library of books."""
