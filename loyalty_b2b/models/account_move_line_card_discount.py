from odoo import fields, models
from odoo.tools import float_compare

from .savings_rules import card_savings


class AccountMoveLine(models.Model):
    """The card's share of an invoice line's discount, stated on the printed
    invoice."""

    _inherit = "account.move.line"

    b2b_discount = fields.Float(
        string="Card %",
        digits="Discount",
        readonly=True,
        help="Discount of the customer's loyalty card included in Disc.%, copied "
        "from the sales order line (0 when a discount typed by hand stood "
        "instead of the card's).",
    )

    def _b2b_get_benefit_card(self):
        """The card whose benefit this line carries: the card a reward spends,
        else the card of the line's order."""
        self.ensure_one()
        return self.b2b_card_id or self.sale_line_ids.order_id.b2b_card_id[:1]

    def _b2b_get_card_discount(self):
        """The card's share of Disc.%, or 0 once the discount was changed on
        the invoice (it no longer is the order's)."""
        self.ensure_one()
        precision = self.env["decimal.precision"].precision_get("Discount")
        if not self.b2b_discount or any(
            float_compare(self.discount, sale_line.discount, precision_digits=precision)
            for sale_line in self.sale_line_ids
        ):
            return 0.0
        return self.b2b_discount

    def _b2b_get_savings(self):
        """What the card saves on this line, untaxed, in the document's
        currency (the rule of ``sale.order.line._b2b_get_savings``)."""
        self.ensure_one()
        return card_savings(
            self.currency_id,
            {
                "price_unit": self.price_unit,
                "quantity": self.quantity,
                "discount": self.discount,
                "subtotal": self.price_subtotal,
                "card_discount": self._b2b_get_card_discount(),
                "reward_kind": self.b2b_reward_kind,
                "manual": False,
            },
        )
