"""Apple Wallet ``.pkpass`` files, in plain Python: the images, the manifest
of SHA-1 hashes, its detached signature and the zip archive (Apple's
"Building a Pass" and "Pass Design and Creation")."""

import functools
import hashlib
import io
import json
import zipfile

from PIL import Image, ImageDraw

from .color_contrast import parse_hex_color
from .wallet_crypto import sign_detached

MEDIA_TYPE = "application/vnd.apple.pkpass"
# Apple's sizes in points: the @2x image holds twice the pixels.
ICON_SIZE = (29, 29)
LOGO_BOX = (160, 50)


def _png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def rgb_string(color):
    """``#RRGGBB`` as pass.json writes colours: ``rgb(r, g, b)``."""
    return "rgb({}, {}, {})".format(*parse_hex_color(color))


def open_image(data):
    """The image ``data`` (bytes) decoded once, as RGBA."""
    with Image.open(io.BytesIO(data)) as source:
        return source.convert("RGBA")


def fit_image(data, box):
    """PNG of the image ``data`` (bytes, or an image of ``open_image``)
    scaled down (never up) to fit ``box``, keeping its proportions and
    transparency."""
    image = open_image(data) if isinstance(data, bytes) else data.copy()
    image.thumbnail(box, Image.Resampling.LANCZOS)
    return _png(image)


def default_mark(size, background, foreground):
    """PNG of a plain card mark: a ``foreground`` card on ``background``, for
    a program without a logo."""
    width, height = size
    image = Image.new("RGBA", size, parse_hex_color(background) + (255,))
    draw = ImageDraw.Draw(image)
    margin_x, margin_y = width * 0.18, height * 0.3
    draw.rounded_rectangle(
        (margin_x, margin_y, width - margin_x, height - margin_y),
        radius=max(1, int(min(width, height) * 0.08)),
        outline=parse_hex_color(foreground),
        width=max(1, int(min(width, height) * 0.06)),
    )
    return _png(image)


def pass_images(logo, background, foreground, strip=False, strip_box=None):
    """``{file name: PNG}``: the icons and logos of a pass, from ``logo``
    (image bytes, or False for the default mark), and its strip (scaled to
    ``strip_box`` points) when there is a ``strip`` image. The same images
    serve every card of a program: drawn once, then kept (a new dict each
    call, the PNGs shared)."""
    return dict(_pass_images(logo, background, foreground, strip, strip_box))


@functools.lru_cache(maxsize=32)
def _pass_images(logo, background, foreground, strip, strip_box):
    images = {}
    if strip:
        strip_image = open_image(strip)
        images["strip.png"] = fit_image(strip_image, strip_box)
        images["strip@2x.png"] = fit_image(
            strip_image, (strip_box[0] * 2, strip_box[1] * 2)
        )
    # Decoded once for the four sizes: decoding is a good part of a pass's time.
    logo = logo and open_image(logo)
    for scale, suffix in ((1, ""), (2, "@2x")):
        icon_size = (ICON_SIZE[0] * scale, ICON_SIZE[1] * scale)
        logo_box = (LOGO_BOX[0] * scale, LOGO_BOX[1] * scale)
        if logo:
            images[f"icon{suffix}.png"] = fit_image(logo, icon_size)
            images[f"logo{suffix}.png"] = fit_image(logo, logo_box)
        else:
            images[f"icon{suffix}.png"] = default_mark(
                icon_size, background, foreground
            )
            square = (logo_box[1], logo_box[1])
            images[f"logo{suffix}.png"] = default_mark(square, background, foreground)
    return images


def manifest(files):
    """manifest.json: the SHA-1 hex digest of every file of the pass."""
    return json.dumps(
        {name: hashlib.sha1(content).hexdigest() for name, content in files.items()},
        indent=2,
        sort_keys=True,
    ).encode()


def build_pkpass(pass_data, images, certificate, key, wwdr_certificate):
    """The ``.pkpass`` (zip bytes) of ``pass_data`` (pass.json as a dict) and
    ``images`` (``{file name: PNG}``), signed by the pass ``certificate`` and
    ``key`` with Apple's WWDR intermediate certificate in the signature."""
    files = {
        "pass.json": json.dumps(pass_data, ensure_ascii=False, indent=2).encode(),
        **images,
    }
    files["manifest.json"] = manifest(files)
    files["signature"] = sign_detached(
        files["manifest.json"], certificate, key, [wwdr_certificate]
    )
    return zip_files(files)


def zip_files(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def read_files(content):
    """``{file name: bytes}`` of a ``.pkpass``."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
