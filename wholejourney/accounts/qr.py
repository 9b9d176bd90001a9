"""The enrolment QR code, drawn as inline SVG so no image leaves the server and CSP stays strict."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str) -> SafeString:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    # The SVG is produced by qrcode from our own otpauth URL; it holds no user-supplied markup.
    return mark_safe(svg)  # noqa: S308
