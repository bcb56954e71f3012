"""QR images decode, with a real decoder (zbar), to the public landing URL of the code."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from referrals.qr import referral_qr_png, referral_qr_svg, referral_url

TOKEN = "Zq3xV0w8mT1bK7yR2nH5cJ4pL9sD6fGa"


def decoded(png: bytes) -> list[str]:
    return [symbol.data.decode() for symbol in decode(Image.open(io.BytesIO(png)))]


def test_url_is_the_public_base_url_and_the_token(settings):
    settings.PUBLIC_BASE_URL = "https://refer.example-bank.cn/"
    assert referral_url(TOKEN) == f"https://refer.example-bank.cn/r/{TOKEN}"


@pytest.mark.parametrize("module_px", [4, 10])
def test_png_decodes_to_the_landing_url(settings, module_px):
    settings.PUBLIC_BASE_URL = "https://refer.example-bank.cn"
    png = referral_qr_png(TOKEN, module_px=module_px)
    assert png.startswith(b"\x89PNG")
    assert decoded(png) == [f"https://refer.example-bank.cn/r/{TOKEN}"]


def test_different_tokens_give_different_codes():
    assert decoded(referral_qr_png("A" * 32)) != decoded(referral_qr_png("B" * 32))


def test_svg_is_valid_xml_with_the_qr_path_and_decodes_once_rasterised(settings):
    settings.PUBLIC_BASE_URL = "https://refer.example-bank.cn"
    svg = referral_qr_svg(TOKEN)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    paths = root.findall(f".//{ns}path")
    assert paths and any(len(p.get("d", "")) > 500 for p in paths)
    # Rasterise the path's unit squares ourselves and decode them: the SVG is the same symbol.
    size = int(float(root.get("viewBox").split()[2]))
    img = Image.new("L", (size, size), 255)

    qr_path = max(paths, key=lambda p: len(p.get("d", "")))
    for x, y in re.findall(r"M(\d+),(\d+)H", qr_path.get("d")):
        img.putpixel((int(x), int(y)), 0)
    img = img.resize((size * 8, size * 8), Image.Resampling.NEAREST)
    assert [s.data.decode() for s in decode(img)] == [f"https://refer.example-bank.cn/r/{TOKEN}"]
