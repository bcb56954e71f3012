"""Printable posters: A6 at 300 dpi, QR decodable by a real decoder, person's lines drawn."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageChops
from pyzbar.pyzbar import decode

from referrals import posters
from referrals.posters import HEADER_H, PosterRenderer, PosterText, poster_pdf, poster_png

URL = "https://refer.example-bank.cn/r/Zq3xV0w8mT1bK7yR2nH5cJ4pL9sD6fGa"


def open_png(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_poster_is_a6_at_300_dpi_and_its_qr_decodes_to_the_url():
    img = open_png(poster_png(url=URL, name="张晓明", outlet="人民广场网点", campaign_name="金秋转介季", tagline="房贷利率低至3.1%"))
    assert img.size == (1240, 1748)  # 105 × 148 mm at 300 dpi
    assert round(img.info["dpi"][0]) == 300
    assert [s.data.decode() for s in decode(img)] == [URL]


def test_a_renderer_reused_for_many_people_draws_each_persons_qr_and_lines():
    renderer = PosterRenderer(campaign_name="金秋转介季", tagline="房贷利率低至3.1%")
    a = open_png(renderer.png(url=URL + "a", text=PosterText(name="张晓明", outlet="人民广场网点"))).convert("L")
    b = open_png(renderer.png(url=URL + "b", text=PosterText(name="李华", outlet="南湖网点"))).convert("L")
    assert [s.data.decode() for s in decode(a)] == [URL + "a"]
    assert [s.data.decode() for s in decode(b)] == [URL + "b"]
    # The shared header is identical; the name/outlet lines below the QR differ.
    header = (0, 0, 1240, HEADER_H)
    assert ImageChops.difference(a.crop(header), b.crop(header)).getbbox() is None
    lines = (0, 1300, 1240, 1520)
    assert ImageChops.difference(a.crop(lines), b.crop(lines)).getbbox() is not None
    # Text is really drawn there (dark pixels), not left blank.
    assert a.crop(lines).getextrema()[0] < 80


def test_the_cjk_font_is_found_and_long_outlet_names_are_shrunk_to_fit():
    assert posters.cjk_font_path() is not None and "CJK" in posters.cjk_font_path()
    long_outlet = "吉林省长春市南关区人民大街与解放大路交汇处人民广场社区综合金融服务网点"
    img = open_png(poster_png(url=URL, name="欧阳晓明", outlet=long_outlet)).convert("L")
    lines = img.crop((0, 1300, 1240, 1520))
    left, _, right, _ = ImageChops.invert(lines).getbbox()
    assert left >= 40 and right <= 1200


def test_poster_still_renders_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(posters, "cjk_font_path", lambda weight="Regular": None)
    posters.font.cache_clear()
    try:
        img = open_png(poster_png(url=URL, name="张晓明", outlet="人民广场网点"))
        assert [s.data.decode() for s in decode(img)] == [URL]
    finally:
        posters.font.cache_clear()


def test_pdf_poster_is_an_a6_page():
    pdf = poster_pdf(url=URL, name="张晓明", outlet="人民广场网点", campaign_name="金秋转介季")
    assert pdf.startswith(b"%PDF-")
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box is not None
    assert (round(float(box.group(1))), round(float(box.group(2)))) == (298, 420)  # A6 in points


@pytest.mark.parametrize("name", ["王", "司马相如"])
def test_names_of_any_length_render(name):
    img = open_png(poster_png(url=URL, name=name, outlet="网点"))
    assert [s.data.decode() for s in decode(img)] == [URL]


def test_many_posters_drawn_by_a_pool_of_processes_come_back_in_order(monkeypatch):
    monkeypatch.setattr(posters, "PARALLEL_MIN_ITEMS", 1)
    items = [(f"{URL}{i}", f"员工{i}", "人民广场网点") for i in range(4)]
    pngs = list(posters.render_many(items, campaign_name="金秋转介季", workers=2))
    assert [[s.data.decode() for s in decode(open_png(png))] for png in pngs] == [[url] for url, _, _ in items]
