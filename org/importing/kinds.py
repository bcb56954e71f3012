"""The organisation's import kinds: institutions, staff, customers."""
