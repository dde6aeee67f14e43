from odoo import api, models


class SaleOrderLine(models.Model):
    """What a line adds to the size of its order for a discount by order
    size."""

    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # A new line changes the size of its order, but Odoo does not follow
        # order_id back to the other lines on creation: tell the orders.
        orders = lines.order_id.filtered(
            lambda order: order._b2b_has_order_size_cards()
        )
        if orders:
            orders.modified(["order_line"])
        return lines

    def _b2b_get_order_size_base(self):
        """Hook: the line's untaxed amount before the card's discount, in the
        order's currency: its unit price after the pricelist, times its
        quantity. Never its subtotal: that holds the card's discount, which
        the order's size decides."""
        self.ensure_one()
        return (
            self.price_unit
            * self.product_uom_qty
            * (1.0 - self._b2b_get_pricelist_discount() / 100.0)
        )

    def _b2b_get_pricelist_discount(self):
        """The discount the pricelist gives the line (0 when it gives none, or
        includes it in the unit price), as sale's ``_compute_discount`` finds
        it: the line's own discount also holds the card's."""
        self.ensure_one()
        if (
            not self.product_id
            or self.display_type
            or not self.order_id.pricelist_id
            or not self.env["product.pricelist.item"]._is_discount_feature_enabled()
            or not self.pricelist_item_id._show_discount()
        ):
            return 0.0
        line = self.with_company(self.company_id)
        base_price = line._get_pricelist_price_before_discount()
        if not base_price:
            return 0.0
        discount = (base_price - line._get_pricelist_price()) / base_price * 100
        # As sale: a surcharge is no discount.
        if (discount > 0 and base_price > 0) or (discount < 0 and base_price < 0):
            return discount
        return 0.0
