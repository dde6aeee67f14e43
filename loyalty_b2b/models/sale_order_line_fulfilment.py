from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .sale_order_line import QUOTATION_STATES

# What a reward request's lines keep as the request made them.
REQUEST_LINE_FIELDS = ("product_id", "product_uom_qty", "price_unit", "discount")


class SaleOrderLine(models.Model):
    """The lines of a reward request on a quotation: priced by the request,
    never by the pricelist or the card, never edited by hand; removing one
    takes the request off the quotation."""

    _inherit = "sale.order.line"

    def _compute_price_unit(self):
        # A request's line keeps the price it was created with (its value, its
        # voucher, the product's price of a free reward).
        return super(
            SaleOrderLine,
            self.filtered(
                lambda line: not (line.b2b_reward_request_id and line._origin)
            ),
        )._compute_price_unit()

    @api.depends("b2b_reward_request_id")
    def _compute_discount(self):
        requested = self.filtered("b2b_reward_request_id").with_context(
            sale_write_from_compute=True
        )
        for line in requested:
            line.discount = line.discount
            line.b2b_technical_discount = line.discount
        return super(SaleOrderLine, self - requested)._compute_discount()

    def write(self, vals):
        if not self.env.context.get("b2b_reward_line_update") and not (
            self.env.context.get("sale_write_from_compute")
        ):
            self._b2b_check_request_line_edit(vals)
        return super().write(vals)

    def unlink(self):
        # A request's line removed from a quotation takes the request's other
        # lines along (a reward without its payment is no reward) and frees
        # the request for another order.
        removed = {
            (line.b2b_reward_request_id, line.order_id)
            for line in self
            if line.b2b_reward_request_id and line.order_id.state in QUOTATION_STATES
        }
        res = super().unlink()
        for request, order in removed:
            order.order_line.filtered(
                lambda line, request=request: line.b2b_reward_request_id == request
            ).unlink()
            request = request.sudo()
            if request.sale_order_id == order and request.state == "approved":
                request.sale_order_id = False
        return res

    def _b2b_check_request_line_edit(self, vals):
        """Refuse hand edits of the price, discount, quantity or product of a
        request's line on a quotation."""
        fields_changed = [name for name in REQUEST_LINE_FIELDS if name in vals]
        if not fields_changed:
            return
        for line in self.filtered(
            lambda line: (
                line.b2b_reward_request_id and line.order_id.state in QUOTATION_STATES
            )
        ):
            for name in fields_changed:
                if name == "product_id":
                    changed = line.product_id.id != vals[name]
                else:
                    changed = float_compare(line[name], vals[name], precision_digits=6)
                if changed:
                    raise UserError(
                        self.env._(
                            "The line %(line)s delivers reward request %(request)s: "
                            "its product, quantity, price and discount are the "
                            "request's. Remove the line to take the reward off "
                            "the quotation.",
                            line=(line.name or "").splitlines()[0],
                            request=line.b2b_reward_request_id.name,
                        )
                    )

    def _b2b_is_benefit_line(self):
        # A reward paid with the card's cashback or stamps earns nothing and
        # gets no discount.
        return super()._b2b_is_benefit_line() and not self.b2b_reward_request_id

    def _b2b_is_voucher_base_line(self):
        """Hook: the lines whose untaxed amount a percentage voucher takes its
        share of: the goods and services bought."""
        self.ensure_one()
        return self._b2b_is_benefit_line()
