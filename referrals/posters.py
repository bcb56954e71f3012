"""Printable referral posters: A6 at 300 dpi (PNG) and A6 PDF, with the employee's QR, name and
outlet and the active campaign's tagline.

Chinese text needs a CJK font. Debian's fonts-noto-cjk is looked up first; without it the poster
still renders (with whatever font is found) rather than failing, since the QR is what matters.
`PosterRenderer` draws the static parts once and reuses fonts, so a whole outlet's or branch's
posters cost one QR and a few text draws each.
"""

from __future__ import annotations

import functools
import glob
import io
import logging
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from .qr import qr_image

logger = logging.getLogger(__name__)

# A6 = 105 × 148 mm; at 300 dpi that is 1240 × 1748 pixels.
DPI = 300
WIDTH, HEIGHT = 1240, 1748
BRAND = (183, 28, 28)
INK = (34, 34, 34)
MUTED = (102, 102, 102)
HEADER_H = 380
QR_BOX = 860  # the QR (quiet zone included) fits in this square
MARGIN = 70

CJK_FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-{weight}.ttc",
]
CJK_FONT_GLOBS = ["/usr/share/fonts/**/*CJK*{weight}*.tt[cf]", "/usr/share/fonts/**/*CJK*.tt[cf]", "/usr/share/fonts/**/wqy*.tt[cf]"]
FALLBACK_GLOBS = ["/usr/share/fonts/**/DejaVuSans{suffix}.ttf", "/usr/share/fonts/**/*.ttf"]


@functools.lru_cache(maxsize=4)
def cjk_font_path(weight: str = "Regular") -> str | None:
    """Path of a font with Chinese glyphs, or None. Cached: looked up once per process."""
    for pattern in CJK_FONT_CANDIDATES:
        path = pattern.format(weight=weight)
        if glob.glob(path):
            return path
    for pattern in CJK_FONT_GLOBS:
        found = sorted(glob.glob(pattern.format(weight=weight), recursive=True))
        if found:
            return found[0]
    return None


@functools.lru_cache(maxsize=8)
def _collection_index(path: str) -> int:
    """In a .ttc the Simplified-Chinese face is not always first; pick it by name."""
    if not path.endswith(".ttc"):
        return 0
    for index in range(10):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0]
        except OSError:
            break
        if " SC" in family or family.endswith("SC"):
            return index
    return 0


@functools.lru_cache(maxsize=32)
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path("Bold" if bold else "Regular") or cjk_font_path("Regular")
    if path:
        return ImageFont.truetype(path, size, index=_collection_index(path))
    for pattern in FALLBACK_GLOBS:
        found = sorted(glob.glob(pattern.format(suffix="-Bold" if bold else ""), recursive=True))
        if found:
            logger.warning("No CJK font found; posters use %s and Chinese text may not show", found[0])
            return ImageFont.truetype(found[0], size)
    logger.warning("No TrueType font found; posters use Pillow's built-in font")
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, *, bold: bool, max_width: int, min_size: int = 28):
    """The largest font not above `size` that fits `text` in `max_width` (long outlet names)."""
    while size > min_size:
        f = font(size, bold=bold)
        if draw.textlength(text, font=f) <= max_width:
            return f
        size -= 4
    return font(min_size, bold=bold)


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, f, fill) -> None:
    if text:
        draw.text((WIDTH // 2, y), text, font=f, fill=fill, anchor="mt")


@dataclass(frozen=True)
class PosterText:
    name: str
    outlet: str


def _palette() -> list[int]:
    """A fixed 256-colour palette: a grey ramp (black text, QR, muted text on white) and a ramp
    from the brand red to white (white text on the header), so antialiased text keeps its edges."""
    grey = [round(i * 255 / 127) for i in range(128)]
    entries = [(g, g, g) for g in grey]
    for i in range(128):
        t = i / 127
        entries.append(tuple(round(c * (1 - t) + 255 * t) for c in BRAND))
    return [v for rgb in entries for v in rgb]


PALETTE = _palette()
# Grey level (mode "L") → palette index of the nearest grey: a lookup, not a colour search.
GREY_TO_INDEX = [round(v * 127 / 255) for v in range(256)]
WHITE_OVER_BRAND_TO_INDEX = [128 + round(v * 127 / 255) for v in range(256)]
TEXT_TOP_GAP = 20
TEXT_STRIP_H = 200


class PosterRenderer:
    """Draws posters for one campaign: the background (header band, campaign name, tagline, footer)
    is drawn once in the constructor; `render()` pastes a QR and writes the person's lines.

    Posters are palette images: one byte per pixel compresses three times faster than RGB, which
    is what a branch downloading thousands of posters waits for. Per-person parts are drawn in
    grey and mapped to palette indices by a lookup table, so no colour quantising per poster."""

    def __init__(self, *, campaign_name: str = "", tagline: str = ""):
        self.campaign_name = campaign_name or "全员转介"
        self.tagline = tagline or "扫码了解优惠产品，在线申请更便捷"
        # Drawn in grey levels and mapped to palette indices: the header as "how white" over the
        # brand red, the body as grey over white. Exact colours, no quantising.
        inner = WIDTH - 2 * MARGIN
        header = Image.new("L", (WIDTH, HEADER_H), 0)
        draw = ImageDraw.Draw(header)
        _centered(draw, 90, self.campaign_name, _fit(draw, self.campaign_name, 96, bold=True, max_width=inner), 255)
        _centered(draw, 230, self.tagline, _fit(draw, self.tagline, 56, bold=False, max_width=inner), 255)
        body = Image.new("L", (WIDTH, HEIGHT), 255)
        draw = ImageDraw.Draw(body)
        _centered(draw, HEIGHT - 110, "请用微信或手机相机扫描二维码", font(36), MUTED[0])
        background = self._as_palette(body)
        background.paste(self._as_palette(header, lut=WHITE_OVER_BRAND_TO_INDEX), (0, 0))
        self.background = background

    @staticmethod
    def _as_palette(grey: Image.Image, *, lut: list[int] = GREY_TO_INDEX) -> Image.Image:
        img = Image.frombytes("P", grey.size, grey.point(lut).tobytes())
        img.putpalette(PALETTE)
        return img

    def render(self, *, url: str, text: PosterText) -> Image.Image:
        img = self.background.copy()
        qr = qr_image(url, module_px=1)
        module_px = max(1, QR_BOX // qr.width)
        qr = qr.resize((qr.width * module_px, qr.height * module_px), Image.Resampling.NEAREST).convert("L")
        top = HEADER_H + 40
        img.paste(self._as_palette(qr), ((WIDTH - qr.width) // 2, top))
        strip = Image.new("L", (WIDTH, TEXT_STRIP_H), 255)
        draw = ImageDraw.Draw(strip)
        inner = WIDTH - 2 * MARGIN
        label = f"推荐人：{text.name}"
        ink, muted = INK[0], MUTED[0]  # both are greys
        _centered(draw, 0, label, _fit(draw, label, 72, bold=True, max_width=inner), ink)
        _centered(draw, 110, text.outlet, _fit(draw, text.outlet, 52, bold=False, max_width=inner), muted)
        img.paste(self._as_palette(strip), (0, top + qr.height + TEXT_TOP_GAP))
        return img

    def png(self, *, url: str, text: PosterText) -> bytes:
        buf = io.BytesIO()
        # Level 3 compresses almost as well as the default 6 at a fraction of the time.
        self.render(url=url, text=text).save(buf, format="PNG", dpi=(DPI, DPI), compress_level=3)
        return buf.getvalue()


# --- Many posters at once ---------------------------------------------------------------------
# Encoding a QR (choosing the best of eight masks, as the QR standard asks) is pure Python and
# takes most of a poster's time, so a large batch is spread over processes: one renderer per
# worker, created once, fed (url, name, outlet) tuples in chunks.
_worker_renderer: PosterRenderer | None = None


def _worker_init(campaign_name: str, tagline: str) -> None:
    global _worker_renderer
    _worker_renderer = PosterRenderer(campaign_name=campaign_name, tagline=tagline)


def _worker_render(item: tuple[str, str, str]) -> bytes:
    url, name, outlet = item
    return _worker_renderer.png(url=url, text=PosterText(name=name, outlet=outlet))


def render_many(items: Sequence[tuple[str, str, str]], *, campaign_name: str = "", tagline: str = "", workers: int = 1) -> Iterator[bytes]:
    """PNG posters for `(url, name, outlet)` items, in order. With `workers` > 1 and enough items
    the work goes to a pool of spawned processes (spawn, not fork: the web process may hold
    threads and database connections that a fork would copy)."""
    if workers <= 1 or len(items) < PARALLEL_MIN_ITEMS:
        renderer = PosterRenderer(campaign_name=campaign_name, tagline=tagline)
        for url, name, outlet in items:
            yield renderer.png(url=url, text=PosterText(name=name, outlet=outlet))
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(campaign_name, tagline)) as pool:
        yield from pool.map(_worker_render, items, chunksize=max(1, min(50, len(items) // (workers * 4))))


PARALLEL_MIN_ITEMS = 100


def poster_png(*, url: str, name: str, outlet: str, campaign_name: str = "", tagline: str = "") -> bytes:
    return PosterRenderer(campaign_name=campaign_name, tagline=tagline).png(url=url, text=PosterText(name=name, outlet=outlet))


def poster_pdf(*, url: str, name: str, outlet: str, campaign_name: str = "", tagline: str = "") -> bytes:
    """The same poster as an A6 PDF: vector QR (sharp at any printer resolution) and text in
    reportlab's built-in Chinese CID font, so nothing needs embedding."""
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from .qr import _qr

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    width, height = A6
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A6)
    c.setTitle(f"推荐码海报 {name}")
    header = 34 * mm
    c.setFillColorRGB(*(v / 255 for v in BRAND))
    c.rect(0, height - header, width, header, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont("STSong-Light", 18)
    c.drawCentredString(width / 2, height - 15 * mm, campaign_name or "全员转介")
    c.setFont("STSong-Light", 10)
    c.drawCentredString(width / 2, height - 25 * mm, tagline or "扫码了解优惠产品，在线申请更便捷")
    matrix = _qr(url).get_matrix()
    side = 72 * mm
    cell = side / len(matrix)
    x0, y0 = (width - side) / 2, height - header - 4 * mm - side
    c.setFillColorRGB(0, 0, 0)
    path = c.beginPath()
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                path.rect(x0 + col * cell, y0 + side - (r + 1) * cell, cell, cell)
    c.drawPath(path, stroke=0, fill=1)
    c.setFillColorRGB(*(v / 255 for v in INK))
    c.setFont("STSong-Light", 14)
    c.drawCentredString(width / 2, y0 - 9 * mm, f"推荐人：{name}")
    c.setFont("STSong-Light", 10)
    c.drawCentredString(width / 2, y0 - 16 * mm, outlet)
    c.setFont("STSong-Light", 8)
    c.drawCentredString(width / 2, 8 * mm, "请用微信或手机相机扫描二维码")
    c.showPage()
    c.save()
    return buf.getvalue()
