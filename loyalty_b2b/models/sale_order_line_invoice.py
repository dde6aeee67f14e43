from odoo import models


class SaleOrderLine(models.Model):
    """What an invoice line keeps of its order line's loyalty card."""

    _inherit = "sale.order.line"

    def _prepare_invoice_line(self, **optional_values):
        res = super()._prepare_invoice_line(**optional_values)
        # The printed invoice states the card's share of Disc.%; a discount
        # typed by hand stood instead of the card's.
        if self.b2b_discount and not self.b2b_has_manual_discount:
            res["b2b_discount"] = self.b2b_discount
        return res
