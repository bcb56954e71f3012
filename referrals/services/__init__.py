"""Writes and rules of the referral programme, one module per area.

codes.py (codes, MGM codes), scans.py (scans, leads, public rate limits); applications,
earnings and campaigns sit beside them. Import from the module: `from referrals.services.codes
import referral_code_issue`."""
