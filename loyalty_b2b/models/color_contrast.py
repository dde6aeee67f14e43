"""Colour arithmetic of the card design, in plain Python: ``#RRGGBB`` parsing,
relative luminance and contrast ratio as WCAG 2.x defines them
(https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)."""

import re

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# WCAG 2.x level AA for normal text: what the card's text needs on its background.
MIN_CONTRAST_RATIO = 4.5


def is_hex_color(value):
    """Whether ``value`` is a ``#RRGGBB`` colour."""
    return isinstance(value, str) and bool(HEX_COLOR.match(value))


def parse_hex_color(value):
    """``(r, g, b)`` as integers 0-255 of a ``#RRGGBB`` colour; ValueError
    for anything else."""
    if not is_hex_color(value):
        raise ValueError(f"Not a #RRGGBB colour: {value!r}")
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))


def _linear_channel(channel):
    """sRGB channel (0-255) to its linear value (0-1)."""
    srgb = channel / 255
    if srgb <= 0.04045:
        return srgb / 12.92
    return ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(value):
    """Relative luminance of a ``#RRGGBB`` colour: 0 for black, 1 for white."""
    red, green, blue = (_linear_channel(c) for c in parse_hex_color(value))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(color_a, color_b):
    """Contrast ratio of two ``#RRGGBB`` colours, from 1 (same) to 21 (black
    on white); symmetric."""
    lighter, darker = sorted(
        (relative_luminance(color_a), relative_luminance(color_b)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)
