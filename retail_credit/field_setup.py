"""Registrations of the three visits, weekly plans and pairing (called from RetailCreditConfig.ready)."""


def register() -> None:
    """Menu entries and page sections of the field work."""
