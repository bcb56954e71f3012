"""Reads of the referral programme, one module per area (codes.py, …). Staff-level reads take the
requesting user and go through `org.scoping.scope_filter`."""
