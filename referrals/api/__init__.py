"""Mini-program REST endpoints of the referral programme (mounted by `referrals/api_urls.py`)."""
