"""Importer framework (INTERFACES.md "Files"). See `base.py` for the extension API; kinds register in
`registry` from their app's AppConfig.ready()."""

from .base import Column, Importer, ImportResult, Outcome, Row, RowError, parsers, run_import

__all__ = ["Column", "ImportResult", "Importer", "Outcome", "Row", "RowError", "parsers", "run_import"]
