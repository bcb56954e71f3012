"""`python manage.py import_data KIND FILE [--skip-bad] [--rejects PATH] [--dry-run]` (INTERFACES.md)."""

from django.core.management.base import BaseCommand, CommandError

from org.errors import ApplicationError
from org.importing import registry
from org.importing.base import run_import


class Command(BaseCommand):
    help = "导入批量文件（CSV 或 XLSX）。Import a batch file; exits non-zero when any row is rejected."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="导入类型 kind: " + ", ".join(registry.kinds()))
        parser.add_argument("file", help="CSV (UTF-8) 或 XLSX 文件 file")
        parser.add_argument(
            "--skip-bad", action="store_true", help="导入正确的行，错误行写入拒绝文件 import good rows, write bad ones to a rejects file"
        )
        parser.add_argument("--rejects", help="拒绝文件路径 rejects file (default: <name>.rejects.csv next to FILE)")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入 validate and report, write nothing")

    def handle(self, *args, **options):
        try:
            result = run_import(
                kind=options["kind"],
                path=options["file"],
                skip_bad=options["skip_bad"],
                dry_run=options["dry_run"],
                rejects=options["rejects"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message)
        self.stdout.write(result.summary())
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        for error in result.errors:
            self.stdout.write(str(error))
        if result.rejects_path:
            self.stdout.write(f"错误行已写入拒绝文件 rejects written to: {result.rejects_path}")
        status = result.status_line()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(status))
            return
        self.stdout.write(self.style.ERROR(status))
        if result.file_error:
            raise CommandError(f"文件被拒绝 (file refused)：{result.file_error}")
        raise CommandError(f"有 {result.rejected} 行被拒绝 ({result.rejected} rows rejected)")
