import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.image import image_data_uri

from .color_contrast import MIN_CONTRAST_RATIO, contrast_ratio, is_hex_color

DEFAULT_CARD_BACKGROUND = "#1F3A68"
DEFAULT_CARD_TEXT = "#FFFFFF"
# What the preview of a program shows in place of a card's own data.
PREVIEW_CARD_NUMBER = "0000000000"


class LoyaltyB2bProgram(models.Model):
    """The look of the program's cards: colours, logo, background image, and
    a preview of the card on the program's form."""

    _inherit = "loyalty.b2b.program"

    card_background_color = fields.Char(
        default=DEFAULT_CARD_BACKGROUND,
        required=True,
        help="Background colour of the program's cards, as #RRGGBB.",
    )
    card_text_color = fields.Char(
        default=DEFAULT_CARD_TEXT,
        required=True,
        help="Colour of the text on the program's cards, as #RRGGBB. It must "
        "contrast with the background (WCAG ratio of at least 4.5).",
    )
    card_background_image = fields.Image(
        max_width=1024,
        max_height=1024,
        help="Optional picture covering the card, drawn over the background "
        "colour. Keep it discreet: the text is printed over it.",
    )
    card_preview_html = fields.Html(
        string="Card Preview",
        compute="_compute_card_preview_html",
        sanitize=False,
    )

    @api.depends(
        "name",
        "company_id.name",
        "card_background_color",
        "card_text_color",
        "logo",
        "card_background_image",
        "program_type",
        "tier_ids.name",
    )
    def _compute_card_preview_html(self):
        for program in self:
            design = program._get_card_preview_design()
            program.card_preview_html = self.env["ir.qweb"]._render(
                "loyalty_b2b.card_preview", {"design": design}
            )

    @api.constrains("card_background_color", "card_text_color")
    def _check_card_colors(self):
        for program in self:
            colors = (program.card_background_color, program.card_text_color)
            malformed = [color for color in colors if not is_hex_color(color)]
            if malformed:
                # Literals stay out of the call: the term extractor reads its
                # arguments.
                values = ", ".join(str(color or "") for color in malformed)
                raise ValidationError(
                    self.env._(
                        "The card colours of program %(program)s must be written "
                        "#RRGGBB (e.g. #1F3A68), not %(value)s.",
                        program=program.name,
                        value=values,
                    )
                )
            ratio = contrast_ratio(*colors)
            if ratio < MIN_CONTRAST_RATIO:
                # Rounded down: 4.499 is no "4.50".
                shown_ratio = f"{math.floor(ratio * 100) / 100:.2f}"
                raise ValidationError(
                    self.env._(
                        "The text of the cards of program %(program)s would be "
                        "hard to read: its colour's contrast with the background "
                        "is %(ratio)s:1, at least %(minimum)s:1 is needed.",
                        program=program.name,
                        ratio=shown_ratio,
                        minimum=MIN_CONTRAST_RATIO,
                    )
                )

    def _get_card_design_values(self):
        """Hook: the program's share of a card's design (colours, images and
        names), as ``loyalty.b2b.card._get_card_design`` returns it."""
        self.ensure_one()
        return {
            "background_color": self.card_background_color or DEFAULT_CARD_BACKGROUND,
            "text_color": self.card_text_color or DEFAULT_CARD_TEXT,
            "logo_src": self.logo and image_data_uri(self.logo),
            "background_image_src": self.card_background_image
            and image_data_uri(self.card_background_image),
            "program_name": self.name or "",
            "issuer_name": self.company_id.name or "",
        }

    def _get_card_preview_design(self):
        """The design of a card of this program, with sample data."""
        self.ensure_one()
        design = self._get_card_design_values()
        # A blank program previews with readable colours, before the
        # constraint runs.
        if not (
            is_hex_color(design["background_color"])
            and is_hex_color(design["text_color"])
        ):
            design.update(
                background_color=DEFAULT_CARD_BACKGROUND, text_color=DEFAULT_CARD_TEXT
            )
        Card = self.env["loyalty.b2b.card"]
        design.update(
            card_number=PREVIEW_CARD_NUMBER,
            company_name=self.env._("Your Customer Ltd"),
            tier_name=self.tier_ids[:1].name
            if self.program_type in ("accumulative", "cashback")
            else "",
            qr_src=Card._get_barcode_url("QR", PREVIEW_CARD_NUMBER),
            code128_src=Card._get_barcode_url("Code128", PREVIEW_CARD_NUMBER),
        )
        return design
