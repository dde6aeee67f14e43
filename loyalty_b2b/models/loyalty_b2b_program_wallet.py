from odoo import models


class LoyaltyB2bProgram(models.Model):
    _inherit = "loyalty.b2b.program"

    def _get_wallet_fields(self):
        """Hook: the program fields the wallet passes of its cards show; a
        change makes them out of date."""
        return {
            "name",
            "active",
            "logo",
            "program_type",
            "discount_percent",
            "stamps_required",
            "spend_period_months",
            "card_background_color",
            "card_text_color",
            "card_background_image",
        }

    def write(self, vals):
        res = super().write(vals)
        if self._get_wallet_fields() & vals.keys():
            self._b2b_touch_wallet()
        return res

    def _b2b_touch_wallet(self):
        # sudo: the cards of the programs the user just changed.
        cards = (
            self.env["loyalty.b2b.card"].sudo().search([("program_id", "in", self.ids)])
        )
        cards._b2b_touch_wallet()


class LoyaltyB2bTier(models.Model):
    _inherit = "loyalty.b2b.tier"

    def _get_wallet_fields(self):
        """Hook: the tier fields the wallet passes show (its name, benefit, and
        the spend the next-tier text names)."""
        return {"name", "min_amount", "discount_percent", "cashback_percent"}

    def write(self, vals):
        res = super().write(vals)
        if self._get_wallet_fields() & vals.keys():
            self.program_id._b2b_touch_wallet()
        return res
