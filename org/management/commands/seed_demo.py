"""`python manage.py seed_demo [--size small|regional|national] [--password PASSWORD]` (INTERFACES.md;
`national` is SPEC §9's national bank with a quarter of activity, for the benchmarks).

Builds the demo bank (org) and every programme's activity (steps registered in `org.demo`), then
prints the sign-ins. On a database that already holds the demo, every step finds its data and
nothing changes.
"""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from org import demo
from org.errors import ApplicationError
from org.models import Customer, Institution, Staff


class Command(BaseCommand):
    help = "生成演示银行及各项目的活动数据，并打印演示账号。Load the demo bank and print its sign-ins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=demo.SIZES,
            default="small",
            help=(
                "small：约 300 名员工；regional：SPEC §9 的区域性银行（2 万员工）；national：全国性银行（30 万员工，一个季度的活动，供基准测试） "
                "small: ~300 staff; regional: the regional bank of SPEC §9; national: its national bank (300,000 staff, a quarter of activity; benchmarks only)"
            ),
        )
        parser.add_argument("--password", default=demo.DEFAULT_PASSWORD, help="演示账号密码 password of the sign-ins (default demo12345)")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子 seed: the same seed gives the same bank")
        # Scaled-down banks for tests and quick trials; not part of the contract.
        parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if not 0 < options["scale"] <= 1:
            raise CommandError("--scale 必须在 (0, 1] 之间")
        ctx = demo.DemoContext(
            size=options["size"],
            seed=options["seed"],
            scale=options["scale"],
            password=options["password"],
            log=self.stdout.write,
        )
        already = demo.demo_loaded()
        self.stdout.write(f"生成演示数据 seeding demo data (size={ctx.size}, seed={ctx.seed}) …")
        started = time.monotonic()
        try:
            outcomes = demo.run(ctx)
        except ApplicationError as exc:
            raise CommandError(exc.message)
        elapsed = time.monotonic() - started
        if all(o.summary is None for o in outcomes):
            self.stdout.write(self.style.WARNING("演示数据已加载，未做任何更改。 Demo data already loaded, nothing changed."))
        else:
            self.stdout.write(self.style.SUCCESS(f"完成 done in {elapsed:.1f} s"))
        if already and ctx.size in demo.LARGE_SIZES and Institution.objects.count() < 1000:
            self.stdout.write(
                self.style.WARNING(
                    "注意：库中已是小型演示银行；要加载区域性银行请使用空库。 Note: a small demo is loaded; use an empty database."
                )
            )
        self._print_sign_ins(ctx.password if not already else None)

    def _print_sign_ins(self, password):
        rows = demo.sign_ins()
        self.stdout.write("")
        self.stdout.write(
            f"机构 {Institution.objects.count():,} · 员工 {Staff.objects.count():,} · 客户 {Customer.objects.count():,} "
            f"(institutions · staff · customers)"
        )
        from django.conf import settings

        # The address the demo is served on (scripts/demo.sh sets PUBLIC_BASE_URL from DEMO_ADDR):
        # the same one every QR code, poster and API link points at.
        url = settings.PUBLIC_BASE_URL.rstrip("/")
        self.stdout.write(f"演示账号 Sign-ins — 打开 open {url}/  (二维码与海报均指向此地址 QR codes and posters point here)")
        pw = password or "（首次加载时设定的密码 the password set when first loaded）"
        header = ("账号 username", "角色 role", "姓名（机构） name (institution)", "管理范围 scope")
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(4)]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        self.stdout.write(line)
        for r in [header, *rows]:
            self.stdout.write("| " + " | ".join(_pad(str(c), w) for c, w in zip(r, widths, strict=True)) + " |")
            if r is header:
                self.stdout.write(line)
        self.stdout.write(line)
        self.stdout.write(f"密码 password: {pw}")


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
