"""Importer framework (INTERFACES.md "Files"). See `base.py`; kinds register in `registry`."""
