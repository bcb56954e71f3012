"""The floor of the scan-page benchmark: a bare Django view doing one indexed primary-key SELECT
and rendering a small template, served by the same gunicorn, settings and database."""
