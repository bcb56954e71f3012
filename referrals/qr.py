"""QR images of referral codes: PNG (for phones and posters) and SVG (for print shops).

Every QR encodes the public landing URL `{PUBLIC_BASE_URL}/r/<token>`. Error correction level M
(15 %) survives a creased or partly covered poster while keeping the symbol small enough to scan
from a phone held at arm's length.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from PIL import Image

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QUIET_ZONE = 4  # modules of white border the QR standard requires around the symbol
# Every one of the eight mask patterns decodes; choosing the "best" by the standard's penalty
# score means encoding the symbol eight times, which was 80 % of a poster's cost. A fixed mask
# keeps bulk poster archives fast; the decode tests prove phones' decoders still read it.
MASK_PATTERN = 4


def referral_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/r/{token}"


def _qr(data: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, mask_pattern=MASK_PATTERN)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_image(data: str, *, module_px: int = 10) -> Image.Image:
    """The QR as a black-and-white Pillow image, `module_px` pixels per module, quiet zone included.

    Built from the module matrix and scaled with nearest-neighbour, which is several times faster
    than drawing each module and keeps edges sharp for the decoder."""
    matrix = _qr(data).get_matrix()
    size = len(matrix)
    img = Image.new("1", (size, size), 1)
    img.putdata([0 if cell else 1 for row in matrix for cell in row])
    return img.resize((size * module_px, size * module_px), Image.Resampling.NEAREST)


def qr_png(data: str, *, module_px: int = 10) -> bytes:
    buf = io.BytesIO()
    qr_image(data, module_px=module_px).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def qr_svg(data: str) -> bytes:
    """A standalone SVG document (one path, white background) that scales to any print size."""
    img = _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + img.to_string()


def referral_qr_png(token: str, *, module_px: int = 10) -> bytes:
    return qr_png(referral_url(token), module_px=module_px)


def referral_qr_svg(token: str) -> bytes:
    return qr_svg(referral_url(token))
