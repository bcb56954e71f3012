"""python manage.py build_circular PERIOD [--scope INSTITUTION_CODE] [--out DIR] (INTERFACES.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from org.errors import ApplicationError
from org.periods import Period
from reporting import services


class Command(BaseCommand):
    help = "生成通报工作簿：PERIOD 为 ISO 周（2024-W45）、月（2024-11）或季度（2024-Q4）；不带 --scope 时生成总行及每家分行的通报"

    def add_arguments(self, parser):
        parser.add_argument("period", help="2024-W45、2024-11 或 2024-Q4")
        parser.add_argument("--scope", help="机构号；省略时为总行及每家分行")
        parser.add_argument("--out", help="把工作簿另存到该目录（默认只存于媒体目录）")

    def handle(self, *args, period, scope=None, out=None, **options):
        try:
            p = Period.parse(period)
            circulars = services.circulars_build(period=p, scope_code=scope)
        except ApplicationError as exc:
            raise CommandError(exc.message)
        out_dir = Path(out) if out else None
        if out_dir is not None:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CommandError(f"无法创建输出目录 {out_dir}：{exc.strerror}")
        for c in circulars:
            if out_dir is None:
                path = Path(c.file.path)
            else:
                path = out_dir / f"{c.scope.code}-{c.period}-{c.kind}.xlsx"
                with c.file.open("rb") as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            self.stdout.write(str(path))
