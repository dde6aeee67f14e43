import base64
import io

from PIL import Image

from odoo.exceptions import ValidationError
from odoo.tests import Form, TransactionCase, tagged

from ..models.color_contrast import (
    contrast_ratio,
    is_hex_color,
    parse_hex_color,
    relative_luminance,
)
from .common import LoyaltyB2bCommon


def _png(color, size=(8, 8)):
    """A small PNG of one colour, base64-encoded as Image fields store it."""
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format="PNG")
    return base64.b64encode(output.getvalue())


class TestColorContrast(TransactionCase):
    """The colour arithmetic, against WCAG's own reference values."""

    def test_parse(self):
        self.assertEqual(parse_hex_color("#1F3a68"), (31, 58, 104))
        for bad in ("red", "#12345", "123456", "#GGGGGG", "#1234567", "", None):
            with self.subTest(value=bad):
                self.assertFalse(is_hex_color(bad))
                with self.assertRaises(ValueError):
                    parse_hex_color(bad)

    def test_luminance_and_ratio(self):
        self.assertEqual(relative_luminance("#000000"), 0.0)
        self.assertAlmostEqual(relative_luminance("#FFFFFF"), 1.0)
        self.assertAlmostEqual(contrast_ratio("#000000", "#FFFFFF"), 21.0)
        self.assertAlmostEqual(contrast_ratio("#FFFFFF", "#000000"), 21.0)
        self.assertAlmostEqual(contrast_ratio("#1F3A68", "#1F3A68"), 1.0)
        # WCAG's classic threshold: #767676 on white passes AA, #777777 fails.
        self.assertGreaterEqual(contrast_ratio("#767676", "#FFFFFF"), 4.5)
        self.assertLess(contrast_ratio("#777777", "#FFFFFF"), 4.5)


@tagged("post_install", "-at_install")
class TestCardDesign(LoyaltyB2bCommon):
    """The program's card design: colours a reader can read, a preview of
    the card on the form, and the design every rendering of a card uses."""

    def test_default_colours_are_readable(self):
        program = self.Program.create({"name": "Plain"})
        self.assertTrue(is_hex_color(program.card_background_color))
        self.assertTrue(is_hex_color(program.card_text_color))
        self.assertGreaterEqual(
            contrast_ratio(program.card_background_color, program.card_text_color),
            4.5,
        )

    def test_malformed_colour_is_rejected(self):
        for field in ("card_background_color", "card_text_color"):
            for bad in ("red", "#12345", "#GGGGGG", "1F3A68", "#1F3A68; x: y"):
                with self.subTest(field=field, value=bad):
                    with self.assertRaises(ValidationError) as error:
                        self.program_discount.write({field: bad})
                    self.assertIn("#RRGGBB", error.exception.args[0])
                    self.assertIn(bad, error.exception.args[0])

    def test_low_contrast_is_rejected(self):
        with self.assertRaises(ValidationError) as error:
            self.Program.create(
                {
                    "name": "Grey",
                    "card_background_color": "#777777",
                    "card_text_color": "#FFFFFF",
                }
            )
        message = error.exception.args[0]
        self.assertIn("Grey", message)
        self.assertIn("4.47:1", message)
        self.assertIn("4.5:1", message)
        with self.assertRaises(ValidationError):
            self.program_discount.card_text_color = (
                self.program_discount.card_background_color
            )
        # Just readable is accepted.
        self.program_discount.write(
            {"card_background_color": "#767676", "card_text_color": "#ffffff"}
        )

    def test_preview_shows_the_design(self):
        self.program_cashback.write(
            {
                "card_background_color": "#14532D",
                "card_text_color": "#F5D76E",
                "logo": _png("red"),
                "card_background_image": _png("blue", (20, 10)),
            }
        )
        preview = self.program_cashback.card_preview_html
        self.assertIn("background-color: #14532D", preview)
        self.assertIn("color: #F5D76E", preview)
        self.assertIn("background-image: url(data:image/png;base64,", preview)
        self.assertIn('src="data:image/png;base64,', preview)
        self.assertIn("Cashback", preview)
        self.assertIn(self.company.name, preview)
        # A tiered program shows its first tier on the sample card.
        self.assertIn("Base", preview)
        self.assertIn("barcode_type=QR", preview)
        self.assertIn("barcode_type=Code128", preview)

    def test_preview_follows_the_form(self):
        with Form(self.Program) as form:
            form.name = "Live"
            form.card_background_color = "#3D1E6D"
            self.assertIn("Live", form.card_preview_html)
            self.assertIn("#3D1E6D", form.card_preview_html)
            # Still being typed: the preview keeps readable colours.
            form.card_background_color = "#3D1"
            self.assertIn("#1F3A68", form.card_preview_html)
            form.card_background_color = "#0B5563"
        self.assertIn("#0B5563", form.record.card_preview_html)

    def test_card_design(self):
        self.program_accumulative.write(
            {"card_background_color": "#F4EBD0", "card_text_color": "#5A3E1B"}
        )
        card = self._create_card(self.program_accumulative)
        card._recompute_tiers()
        design = card._get_card_design()
        self.assertEqual(design["background_color"], "#F4EBD0")
        self.assertEqual(design["text_color"], "#5A3E1B")
        self.assertEqual(design["program_name"], "Volume")
        self.assertEqual(design["company_name"], "Acme Wholesale")
        self.assertEqual(design["issuer_name"], self.company.name)
        self.assertEqual(design["card_number"], card.name)
        self.assertEqual(design["tier_name"], "Silver")
        self.assertFalse(design["logo_src"])
        self.assertFalse(design["background_image_src"])
        for url, kind in ((design["qr_src"], "QR"), (design["code128_src"], "Code128")):
            self.assertTrue(url.startswith("/report/barcode/?"), url)
            self.assertIn(f"barcode_type={kind}", url)
            self.assertIn(f"value={card.name}", url)
        self.assertEqual(design["qr_src"], card._get_card_qr_url())
        self.assertEqual(design["code128_src"], card._get_card_code128_url())

    def test_card_numbers_are_url_encoded(self):
        card = self._create_card(self.program_discount)
        card.name = "A&B 1/2"
        self.assertIn("value=A%26B+1%2F2&", card._get_card_qr_url())

    def test_kanban_reads_the_design(self):
        program = self.program_stamp
        program.write(
            {"card_background_color": "#0B5563", "card_text_color": "#FFFFFF"}
        )
        card = self._create_card(program)
        self.assertEqual(card.card_background_color, "#0B5563")
        self.assertEqual(card.card_text_color, "#FFFFFF")
        kanban = self.Card.get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        self.assertIn("record.card_background_color.raw_value", kanban)
        self.assertIn("record.card_text_color.raw_value", kanban)
