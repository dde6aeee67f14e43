from odoo import fields, models
from odoo.exceptions import UserError

from .sale_order_line import QUOTATION_STATES


class LoyaltyB2bRewardRequest(models.Model):
    """Fulfilment of approved requests through ordinary orders: a quotation
    delivering the reward (a product, a service, access to information), or a
    voucher line on a later quotation of the company. The order's confirmation
    spends the cost (the request's reservation pays it), its cancellation
    reserves it again."""

    _inherit = "loyalty.b2b.reward.request"

    # Actions -------------------------------------------------------------------

    def action_fulfil(self):
        """Make the quotation delivering this approved reward to the company
        (or open the one already made) and return the action opening it."""
        self.ensure_one()
        self._check_fulfillable()
        order = self.sale_order_id
        if order.state not in QUOTATION_STATES:
            order = (
                self.env["sale.order"]
                .with_company(self.company_id)
                .create(self._prepare_fulfilment_order_vals())
            )
            # The card pays for the reward: it is one of the order's cards even
            # when the order would not pick it itself.
            if self.card_id not in order.b2b_card_ids:
                order.with_context(
                    b2b_allow_card_set_change=True
                ).b2b_card_ids |= self.card_id
            self.env["sale.order.line"].create(
                self._prepare_fulfilment_line_vals(order)
            )
            self.sale_order_id = order
            self._post_state_message(
                self.env._("Quotation %(order)s prepared.", order=order.name)
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_b2b_use_voucher(self):
        """Use this voucher on the quotation in the context (the button of the
        quotation's list of usable vouchers)."""
        self.ensure_one()
        order = self.env["sale.order"].browse(self.env.context.get("b2b_order_id"))
        if not order.exists():
            raise UserError(self.env._("Save the quotation, then use the voucher."))
        order.check_access("write")
        return order.action_b2b_apply_voucher(self.id)

    # Rules ---------------------------------------------------------------------

    def _check_fulfillable(self):
        """An approved request, not a voucher, whose program can deliver it."""
        for request in self:
            if request.state != "approved":
                raise UserError(
                    self.env._(
                        "Only an approved request can be fulfilled (%(request)s "
                        "is %(state)s).",
                        request=request.name,
                        state=request._get_state_label(),
                    )
                )
            if request.reward_type == "voucher":
                raise UserError(
                    self.env._(
                        "%(request)s is a voucher: it is used on a later quotation "
                        "of %(company)s (Vouchers on the quotation), not fulfilled "
                        "by an order of its own.",
                        request=request.name,
                        company=request.partner_id.display_name,
                    )
                )
            request._check_deliverable()

    def _check_deliverable(self):
        """The program can put this reward on an order: a cashback program
        needs its redemption product, the reward its product."""
        self.ensure_one()
        program = self.program_id
        if (
            self.program_type == "cashback"
            and not program.cashback_redemption_product_id
        ):
            raise UserError(
                self.env._(
                    "Program %(program)s has no redemption product: set one on the "
                    "program to pay rewards with its cashback.",
                    program=program.display_name,
                )
            )
        if not self.reward_id.product_id.active:
            raise UserError(
                self.env._(
                    "Reward %(reward)s has no active product to put on an order.",
                    reward=self.reward_id.display_name,
                )
            )

    # Orders --------------------------------------------------------------------

    def _prepare_fulfilment_order_vals(self):
        """Hook: values of the quotation delivering this reward."""
        self.ensure_one()
        return {
            "partner_id": self.contact_id.id or self.partner_id.id,
            "company_id": self.company_id.id,
            "origin": self.name,
        }

    def _prepare_fulfilment_line_vals(self, order):
        """Hook: values of the lines of ``order`` delivering this reward. A
        stamp program gives the product free (a stamp reward line spending the
        request's stamps); a cashback program sells it at its value and pays it
        with a redemption line of the same value (the invoice then debits the
        cashback liability, and books the product's income)."""
        self.ensure_one()
        sequence = max(order.order_line.mapped("sequence"), default=10) + 1
        product = self.reward_id.product_id
        customer_env = order._b2b_customer_env()
        product_name = product.with_context(lang=order.partner_id.lang).display_name
        if self.program_type == "stamp":
            return [
                {
                    "order_id": order.id,
                    "b2b_card_id": self.card_id.id,
                    "b2b_reward_request_id": self.id,
                    "product_id": product.id,
                    "name": customer_env._(
                        "%(product)s\nStamp reward: %(stamps)s stamps of card %(card)s",
                        product=product_name,
                        stamps=self.cost_stamps,
                        card=self.card_id.name,
                    ),
                    "product_uom_qty": 1.0,
                    "discount": 100.0,
                    "b2b_reward_kind": "stamp_reward",
                    "sequence": sequence,
                }
            ]
        value = self._get_order_value(order, self.cost_amount)
        return [
            {
                "order_id": order.id,
                "b2b_reward_request_id": self.id,
                "product_id": product.id,
                "name": customer_env._(
                    "%(product)s\nReward %(request)s",
                    product=product_name,
                    request=self.name,
                ),
                "product_uom_qty": 1.0,
                "price_unit": value,
                "discount": 0.0,
                "b2b_technical_discount": 0.0,
                "sequence": sequence,
            },
            self._prepare_redemption_line_vals(order, value, sequence + 1),
        ]

    def _prepare_redemption_line_vals(self, order, value, sequence):
        """A cashback redemption line of ``value`` (order currency) paying this
        request on ``order``: ``sale.order``'s redemption line, naming the
        request."""
        self.ensure_one()
        vals = order._b2b_prepare_redemption_line_vals(self.card_id, value)
        vals.update(
            {
                "b2b_reward_request_id": self.id,
                "name": order._b2b_customer_env()._(
                    "Cashback redemption (card %(card)s), reward %(request)s",
                    card=self.card_id.name,
                    request=self.name,
                ),
                "sequence": sequence,
            }
        )
        return vals

    def _prepare_voucher_line_vals(self, order):
        """Hook: values of the line using this voucher on ``order``: a
        redemption line of its value (cashback), or a stamp reward line with a
        negative price, its fixed value or its percentage of the order's
        ordinary lines (stamps)."""
        self.ensure_one()
        sequence = max(order.order_line.mapped("sequence"), default=10) + 1
        if self.program_type == "cashback":
            value = self._get_order_value(order, self.cost_amount)
            return self._prepare_redemption_line_vals(order, value, sequence)
        product = self.reward_id.product_id
        return {
            "order_id": order.id,
            "b2b_card_id": self.card_id.id,
            "b2b_reward_request_id": self.id,
            "product_id": product.id,
            "name": order._b2b_customer_env()._(
                "%(product)s\nVoucher %(request)s: %(stamps)s stamps of card %(card)s",
                product=product.with_context(lang=order.partner_id.lang).display_name,
                request=self.name,
                stamps=self.cost_stamps,
                card=self.card_id.name,
            ),
            "product_uom_qty": 1.0,
            "price_unit": -self._get_voucher_value(order),
            "discount": 0.0,
            "b2b_reward_kind": "stamp_reward",
            "sequence": sequence,
        }

    def _get_voucher_value(self, order):
        """What this voucher takes off ``order`` (positive, order currency):
        its amount, or its percentage of the untaxed amount of the order's
        ordinary lines."""
        self.ensure_one()
        reward = self.reward_id
        if self.program_type == "cashback" or reward.voucher_type == "fixed":
            amount = (
                self.cost_amount
                if self.program_type == "cashback"
                else reward.voucher_value
            )
            return self._get_order_value(order, amount)
        base = sum(
            order.order_line.filtered(
                lambda line: line._b2b_is_voucher_base_line()
            ).mapped("price_subtotal")
        )
        return order.currency_id.round(max(base, 0.0) * reward.voucher_value / 100.0)

    def _get_order_value(self, order, amount):
        """``amount`` of company currency in ``order``'s currency, at its date."""
        self.ensure_one()
        return self.currency_id._convert(
            amount,
            order.currency_id,
            order.company_id,
            fields.Date.context_today(self, order.date_order),
        )

    # Order lifecycle -----------------------------------------------------------

    def _mark_fulfilled(self, order):
        """The confirmed ``order`` delivered these requests (their reservation
        was released just before the order spent the cost)."""
        self.write(
            {
                "state": "fulfilled",
                "fulfilled_date": fields.Date.context_today(self),
                "sale_order_id": order.id,
            }
        )
        for request in self:
            request._post_state_message(
                self.env._(
                    "Fulfilled by order %(order)s: %(cost)s spent.",
                    order=order.name,
                    cost=request._get_cost_label(),
                )
            )

    def _reinstate(self, order):
        """The confirmed ``order`` delivering these requests was cancelled:
        back to approved, their cost reserved on the card again."""
        self.write(
            {"state": "approved", "fulfilled_date": False, "sale_order_id": False}
        )
        self._reserve()
        for request in self:
            request._post_state_message(
                self.env._(
                    "Order %(order)s cancelled: the request is approved again, "
                    "%(cost)s reserved on the card.",
                    order=order.name,
                    cost=request._get_cost_label(),
                )
            )

    def _is_voucher_free(self):
        """Not used on an open order: no order, or a cancelled one."""
        self.ensure_one()
        return not self.sale_order_id or self.sale_order_id.state == "cancel"
