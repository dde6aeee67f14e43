from odoo import fields, models


class SaleOrder(models.Model):
    """Membership fee orders of loyalty cards (programs whose fee is charged by
    a sales order): their invoices are the card's fee invoices."""

    _inherit = "sale.order"

    b2b_membership_card_id = fields.Many2one(
        "loyalty.b2b.card",
        string="Membership Card",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Loyalty card whose membership fee this order charges.",
    )

    def _prepare_invoice(self):
        vals = super()._prepare_invoice()
        # Set on every order (False when no fee) so that the grouping of
        # invoices never puts a fee with purchases.
        vals["b2b_membership_card_id"] = self.b2b_membership_card_id.id
        vals["b2b_is_membership_fee"] = bool(self.b2b_membership_card_id)
        return vals

    def _get_invoice_grouping_keys(self):
        return [*super()._get_invoice_grouping_keys(), "b2b_membership_card_id"]


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _b2b_is_benefit_line(self):
        # A membership fee is no purchase: no discount, no stamp, no cashback.
        return (
            super()._b2b_is_benefit_line() and not self.order_id.b2b_membership_card_id
        )
