"""`python manage.py referral_codes [--scope INSTITUTION_CODE] [--out FILE]` (INTERFACES.md).

Gives every active employee in scope who has no personal referral code a new one (one bulk
INSERT per thousand people), then writes a CSV of all of them for printing posters in bulk.

The CSV is UTF-8 with a BOM so Excel opens the Chinese names correctly, and its header row holds
the English keys `employee_no,name,institution_code,code,url` (a stable machine contract; the
Chinese labels are 员工号, 姓名, 机构号, 推荐码, 链接). Cells that a spreadsheet would run as a
formula are prefixed with an apostrophe (SPEC §8).
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from org import clock
from org.models import Institution, Staff
from org.xlsx import safe_csv_row
from referrals.qr import referral_url
from referrals.selectors.codes import personal_code_rows
from referrals.services.codes import referral_codes_issue_missing

HEADER = ["employee_no", "name", "institution_code", "code", "url"]
class Command(BaseCommand):
    help = "为范围内尚无推荐码的在职员工批量生成推荐码，并导出推荐码清单 CSV（用于批量印制海报）"

    def add_arguments(self, parser):
        parser.add_argument("--scope", metavar="INSTITUTION_CODE", help="机构号：只处理该机构及其下级机构的员工（默认全行）")
        parser.add_argument("--out", metavar="FILE", help="输出文件路径（默认当前目录下 referral_codes_<机构号>_<日期>.csv）")

    def handle(self, *args, scope=None, out=None, **options):
        if scope:
            institution = Institution.objects.filter(code=scope).first()
            if institution is None:
                raise CommandError(_("机构号 %(code)s 不存在，请检查 --scope 参数") % {"code": scope})
            staff_qs = Staff.objects.filter(institution__path__startswith=institution.path)
            label = institution.code
        else:
            roots = list(Institution.objects.filter(parent__isnull=True).values_list("code", flat=True))
            staff_qs = Staff.objects.all()
            label = roots[0] if len(roots) == 1 else "ALL"

        created = referral_codes_issue_missing(staff_qs=staff_qs)

        today = clock.today()
        path = Path(out) if out else Path.cwd() / f"referral_codes_{label}_{today:%Y-%m-%d}.csv"
        if path.parent and not path.parent.exists():
            raise CommandError(_("输出目录 %(dir)s 不存在") % {"dir": path.parent})
        written = 0
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            for employee_no, name, institution_code, _institution_name, token in personal_code_rows(staff_qs=staff_qs, day=today).iterator(
                chunk_size=2000
            ):
                # Every column escaped, the token too: a token_urlsafe token starts with "-" about once in 64.
                writer.writerow(safe_csv_row([employee_no, name, institution_code, token, referral_url(token)]))
                written += 1

        self.stdout.write(_("已写入 %(path)s") % {"path": path})
        self.stdout.write(_("新生成推荐码 %(created)s 个，清单共 %(n)s 名在职员工") % {"created": created, "n": written})
