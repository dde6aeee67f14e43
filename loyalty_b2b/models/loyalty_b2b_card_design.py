from urllib.parse import urlencode

from odoo import api, fields, models

# Pixel sizes of the code images: drawn larger than printed, for sharp prints.
QR_SIZE = 300
CODE128_SIZE = (600, 120)


class LoyaltyB2bCard(models.Model):
    """What a card looks like, wherever it is drawn: kanban, portal, printed
    card (and, later, wallet passes) all read ``_get_card_design``."""

    _inherit = "loyalty.b2b.card"

    card_background_color = fields.Char(related="program_id.card_background_color")
    card_text_color = fields.Char(related="program_id.card_text_color")

    @api.model
    def _get_portal_readable_fields(self):
        # The colours the card is drawn with are part of the card.
        readable = super()._get_portal_readable_fields()
        design_fields = {"card_background_color", "card_text_color"}
        return {level: names | design_fields for level, names in readable.items()}

    def _get_card_code_value(self):
        """Hook: the value the card's QR code and barcode encode, the card
        number by default (what a cashier scans into the customer field)."""
        self.ensure_one()
        return self.name

    @api.model
    def _get_barcode_url(self, barcode_type, value, width=None, height=None):
        """URL of Odoo's own barcode image route (``/report/barcode``), as core
        reports use it: relative, so it works on the portal and in reports."""
        if barcode_type == "QR":
            width = height = width or QR_SIZE
        else:
            width = width or CODE128_SIZE[0]
            height = height or CODE128_SIZE[1]
        query = urlencode(
            {
                "barcode_type": barcode_type,
                "value": value,
                "width": width,
                "height": height,
            }
        )
        return f"/report/barcode/?{query}"

    def _get_card_qr_url(self, size=None):
        self.ensure_one()
        return self._get_barcode_url("QR", self._get_card_code_value(), size, size)

    def _get_card_code128_url(self, width=None, height=None):
        self.ensure_one()
        return self._get_barcode_url(
            "Code128", self._get_card_code_value(), width, height
        )

    def _get_card_design(self):
        """Hook: everything a rendering of the card needs, as a dict:

        - ``background_color``, ``text_color``: ``#RRGGBB``;
        - ``logo_src``, ``background_image_src``: data URIs, or False;
        - ``program_name``, ``issuer_name`` (the program's company);
        - ``company_name`` (the company holding the card), ``card_number``,
          ``tier_name``;
        - ``qr_src``, ``code128_src``: URLs of the codes of the card.

        Read as superuser: a contact of the holding company sees its card's
        design without reading the program."""
        self.ensure_one()
        card = self.sudo()
        design = card.program_id._get_card_design_values()
        design.update(
            card_number=card.name,
            company_name=card.partner_id.commercial_partner_id.name or "",
            tier_name=card.tier_id.name or "",
            qr_src=card._get_card_qr_url(),
            code128_src=card._get_card_code128_url(),
        )
        return design

    def action_print_card(self):
        # config=False: the card has no letterhead, no document layout to set up.
        return self.env.ref("loyalty_b2b.action_report_loyalty_card").report_action(
            self, config=False
        )
