"""The page kit every programme builds its pages on: charts (`charts`), the table component
(`tables`), KPI tiles (`tiles`) and the number formats they share (`formats`). Templates use
them through `{% load kit %}` (org/templatetags/kit.py); the browser side is static/js/kit.js
with Apache ECharts vendored under static/vendor/echarts (scripts/vendor_echarts.sh)."""
