from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from .sale_order_line import QUOTATION_STATES


class SaleOrder(models.Model):
    """Orders delivering approved reward requests, and vouchers used on later
    quotations: the request's reservation pays for its lines at confirmation,
    the cancellation of the order reserves the cost again."""

    _inherit = "sale.order"

    b2b_voucher_request_ids = fields.Many2many(
        "loyalty.b2b.reward.request",
        string="Usable Vouchers",
        compute="_compute_b2b_voucher_request_ids",
        groups="loyalty_b2b.group_loyalty_b2b_user",
        help="Approved voucher requests of the order's cards, not used on "
        "another open order: each can take its value off this quotation.",
    )

    @api.depends("state", "b2b_card_ids", "order_line.b2b_reward_request_id")
    def _compute_b2b_voucher_request_ids(self):
        Request = self.env["loyalty.b2b.reward.request"]
        quotations = self.filtered(lambda order: order.state in QUOTATION_STATES)
        cards = quotations.b2b_card_ids._origin
        vouchers = (
            Request.search(
                [
                    ("card_id", "in", cards.ids),
                    ("state", "=", "approved"),
                    ("reward_id.reward_type", "=", "voucher"),
                ]
            )
            if cards
            else Request
        )
        for order in self:
            if order not in quotations:
                order.b2b_voucher_request_ids = Request
                continue
            order.b2b_voucher_request_ids = vouchers.filtered(
                lambda request, order=order: (
                    request.card_id in order.b2b_card_ids._origin
                    and request._is_voucher_free()
                )
            )

    # Vouchers ------------------------------------------------------------------

    def action_b2b_apply_voucher(self, request_id):
        """Use the approved voucher request ``request_id`` (a request or its id)
        on this quotation: one line taking its value off the order, spent at
        confirmation.

        Public: integrations may call it. Raises a UserError when the voucher is
        not usable on this quotation or would take its total below zero.
        """
        self.ensure_one()
        request = request_id
        if not isinstance(request_id, models.BaseModel):
            request = self.env["loyalty.b2b.reward.request"].browse(request_id)
        if self.state not in QUOTATION_STATES:
            raise UserError(
                self.env._(
                    "A voucher can only be used on a quotation; %(order)s is not "
                    "one any more.",
                    order=self.name,
                )
            )
        if (
            len(request) != 1
            or request.reward_type != "voucher"
            or request.state != "approved"
            or request.card_id not in self.b2b_card_ids._origin
            or not request._is_voucher_free()
        ):
            raise UserError(
                self.env._(
                    "%(voucher)s cannot be used on %(order)s: only an approved "
                    "voucher of one of the order's loyalty cards, not used on "
                    "another open order, can.",
                    voucher=request.name or "-",
                    order=self.name,
                )
            )
        request._check_deliverable()
        vals = request._prepare_voucher_line_vals(self)
        value = -vals["price_unit"]
        if request.program_type == "cashback":
            usable = self._b2b_get_usable_cashback(self.amount_total, request.card_id)
        else:
            usable = self.amount_total
        if self.currency_id.compare_amounts(value, usable) > 0:
            raise UserError(
                self.env._(
                    "Voucher %(voucher)s is worth %(value)s, more than the total "
                    "of %(order)s (%(usable)s): the total cannot go below zero.",
                    voucher=request.name,
                    value=format_amount(self.env, value, self.currency_id),
                    order=self.name,
                    usable=format_amount(self.env, max(usable, 0.0), self.currency_id),
                )
            )
        self.env["sale.order.line"].create(vals)
        request.sale_order_id = self
        return True

    def _b2b_update_voucher_prices(self):
        """A percentage voucher takes its share of the order as it stands when
        it is confirmed."""
        for order in self:
            for line in order.order_line.filtered(
                lambda line: (
                    line.b2b_reward_kind == "stamp_reward"
                    and line.b2b_reward_request_id.reward_type == "voucher"
                )
            ):
                price = -line.b2b_reward_request_id._get_voucher_value(order)
                if order.currency_id.compare_amounts(price, line.price_unit):
                    line.with_context(b2b_reward_line_update=True).price_unit = price

    # Confirmation and cancellation ---------------------------------------------

    def _b2b_check_confirmation(self):
        # The requests these orders deliver pay with their own reservation:
        # released before the checks of what the cards have free.
        quotations = self.filtered(lambda order: order.state in QUOTATION_STATES)
        lines = quotations.order_line.filtered("b2b_reward_request_id")
        if lines:
            quotations._b2b_update_voucher_prices()
            requests = lines.b2b_reward_request_id.sudo()
            # Two confirmations delivering the same request serialize here.
            requests.card_id._lock_for_spending()
            quotations._b2b_check_reward_requests()
            requests._release()
        return super()._b2b_check_confirmation()

    def _b2b_check_reward_requests(self):
        """Each request these quotations deliver is approved, paid by one of the
        order's cards, and delivered by one order only."""
        seen = {}
        for order in self:
            lines = order.order_line.filtered("b2b_reward_request_id")
            for line in lines:
                request = line.b2b_reward_request_id.sudo()
                if request.state != "approved":
                    raise UserError(
                        self.env._(
                            "%(order)s cannot be confirmed: reward request "
                            "%(request)s is %(state)s, not approved. Remove its "
                            "line %(line)s.",
                            order=order.name,
                            request=request.name,
                            state=request._get_state_label(),
                            line=line.name.splitlines()[0] if line.name else "",
                        )
                    )
                if request.card_id not in order.b2b_card_ids._origin.sudo() or (
                    line.b2b_card_id and line.b2b_card_id != request.card_id
                ):
                    raise UserError(
                        self.env._(
                            "%(order)s cannot be confirmed: reward request "
                            "%(request)s is paid by card %(card)s, which is not "
                            "one of the order's loyalty cards.",
                            order=order.name,
                            request=request.name,
                            card=request.card_id.display_name,
                        )
                    )
                if seen.setdefault(request, order) != order:
                    raise UserError(
                        self.env._(
                            "Reward request %(request)s is on %(first)s and "
                            "%(second)s: it can be delivered once only.",
                            request=request.name,
                            first=seen[request].name,
                            second=order.name,
                        )
                    )
            if lines and order.currency_id.compare_amounts(order.amount_total, 0.0) < 0:
                raise UserError(
                    self.env._(
                        "The rewards and vouchers of %(order)s exceed its total.",
                        order=order.name,
                    )
                )

    def _action_confirm(self):
        res = super()._action_confirm()
        for order in self:
            requests = order.order_line.b2b_reward_request_id.sudo()
            if requests:
                requests._mark_fulfilled(order)
        return res

    def _action_cancel(self):
        confirmed = self.filtered(lambda order: order.state == "sale")
        confirmed._b2b_check_requests_returnable()
        quotations = self.filtered(lambda order: order.state in QUOTATION_STATES)
        res = super()._action_cancel()
        # A quotation cancelled before its confirmation leaves its requests
        # approved, free for another order.
        self.env["loyalty.b2b.reward.request"].sudo().search(
            [("sale_order_id", "in", quotations.ids), ("state", "=", "approved")]
        ).sale_order_id = False
        for order in confirmed:
            requests = order.order_line.b2b_reward_request_id.sudo().filtered(
                lambda request, order=order: (
                    request.state == "fulfilled" and request.sale_order_id == order
                )
            )
            if requests:
                requests._reinstate(order)
        return res

    def _b2b_check_requests_returnable(self):
        """A confirmed order whose invoice already spent a request's cashback
        is credited first: the cashback is gone from the card until then."""
        for order in self:
            for line in order.order_line.filtered(
                lambda line: (
                    line.b2b_reward_request_id and line.b2b_reward_kind == "cashback"
                )
            ):
                invoiced = sum(
                    invoice_line.price_subtotal * -invoice_line.move_id.direction_sign
                    for invoice_line in line.invoice_lines
                    if invoice_line.parent_state == "posted"
                )
                if not order.currency_id.is_zero(invoiced):
                    raise UserError(
                        self.env._(
                            "%(order)s cannot be cancelled: its invoice already "
                            "spent the cashback of reward request %(request)s. "
                            "Issue a credit note for the invoice first.",
                            order=order.name,
                            request=line.b2b_reward_request_id.name,
                        )
                    )

    # Hooks of the stamp and cashback flows -------------------------------------

    def _b2b_get_stamp_reward_cost(self, line):
        # A request's line spends what the request costs (its reward, or its
        # voucher), not the card's own reward.
        if line.b2b_reward_request_id:
            return line.b2b_reward_request_id.sudo().cost_stamps
        return super()._b2b_get_stamp_reward_cost(line)

    def _b2b_get_replaceable_redemption_lines(self, card):
        # Using cashback never removes a request's redemption line.
        return (
            super()
            ._b2b_get_replaceable_redemption_lines(card)
            .filtered(lambda line: not line.b2b_reward_request_id)
        )

    def _b2b_cashback_exceeded_message(self, card, amount, available, currency):
        message = super()._b2b_cashback_exceeded_message(
            card, amount, available, currency
        )
        if card.currency_id.is_zero(card.cashback_reserved):
            return message
        return self.env._(
            "%(message)s %(reserved)s is reserved for approved rewards.",
            message=message,
            reserved=format_amount(self.env, card.cashback_reserved, card.currency_id),
        )

    def _b2b_get_card_effect_lines(self, card):
        sentences = super()._b2b_get_card_effect_lines(card)
        if not self.env.user.has_group("loyalty_b2b.group_loyalty_b2b_user"):
            return sentences
        for request in self.order_line.filtered(
            lambda line: line.b2b_reward_request_id.card_id == card
        ).b2b_reward_request_id:
            sentences.append(
                self.env._(
                    "Reward request %(request)s on this order: %(reward)s, for "
                    "%(cost)s.",
                    request=request.name,
                    reward=request.reward_id.display_name,
                    cost=request._get_cost_label(),
                )
            )
        for request in self.b2b_voucher_request_ids.filtered(
            lambda request: request.card_id == card
        ):
            sentences.append(
                self.env._(
                    "Voucher %(request)s usable: %(reward)s (Usable Vouchers).",
                    request=request.name,
                    reward=request.reward_id.display_name,
                )
            )
        return sentences
