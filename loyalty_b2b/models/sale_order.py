from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .sale_order_line import QUOTATION_STATES


class SaleOrder(models.Model):
    _inherit = "sale.order"

    b2b_commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", string="Customer Company"
    )
    b2b_card_id = fields.Many2one(
        "loyalty.b2b.card",
        string="Loyalty Card",
        compute="_compute_b2b_card_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('partner_id', '=', b2b_commercial_partner_id), "
        "('state', '=', 'active')]",
        copy=False,
        help="Card of the customer's company whose benefit the order gets: the "
        "one giving the most, chosen when the customer changes. You may pick "
        "another card of the same company.",
    )
    b2b_program_type = fields.Selection(related="b2b_card_id.program_type")
    b2b_tier_id = fields.Many2one(related="b2b_card_id.tier_id", string="Card Tier")
    b2b_discount_percent = fields.Float(
        related="b2b_card_id.discount_percent", string="Card Discount (%)"
    )
    b2b_card_currency_id = fields.Many2one(
        related="b2b_card_id.currency_id", string="Card Currency"
    )
    b2b_cashback_balance = fields.Monetary(
        related="b2b_card_id.cashback_balance",
        string="Cashback Balance",
        currency_field="b2b_card_currency_id",
    )
    b2b_cashback_available = fields.Monetary(
        related="b2b_card_id.cashback_available",
        string="Cashback Available",
        currency_field="b2b_card_currency_id",
    )
    b2b_stamp_count = fields.Integer(related="b2b_card_id.stamp_count")
    b2b_stamps_required = fields.Integer(related="b2b_card_id.stamps_required")
    b2b_savings = fields.Monetary(
        string="Loyalty Savings",
        compute="_compute_b2b_savings",
        help="What the loyalty card saves on this order, untaxed: the card's "
        "discount and the value of a free stamp reward.",
    )
    b2b_is_reward_available = fields.Boolean(compute="_compute_b2b_is_reward_available")
    b2b_manual_discount_count = fields.Integer(
        compute="_compute_b2b_manual_discount_count"
    )

    @api.depends("partner_id", "company_id")
    def _compute_b2b_card_id(self):
        quotations = self.filtered(lambda order: order.state in QUOTATION_STATES)
        for order in self - quotations:
            order.b2b_card_id = order.b2b_card_id
        best_cards = quotations._b2b_get_best_cards()
        for order in quotations:
            order.b2b_card_id = best_cards[order]

    @api.depends(
        "order_line.price_subtotal",
        "order_line.b2b_discount",
        "order_line.discount",
        "order_line.b2b_technical_discount",
    )
    def _compute_b2b_savings(self):
        for order in self:
            order.b2b_savings = sum(
                line._b2b_get_savings() for line in order.order_line
            )

    @api.depends(
        "state",
        "b2b_card_id.is_stamp_reward_ready",
        "b2b_card_id.state",
        "order_line.b2b_reward_kind",
    )
    def _compute_b2b_is_reward_available(self):
        for order in self:
            card = order.b2b_card_id
            order.b2b_is_reward_available = (
                order.state in QUOTATION_STATES
                and card.state == "active"
                and card.is_stamp_reward_ready
                and "stamp_reward" not in order.order_line.mapped("b2b_reward_kind")
            )

    @api.depends("order_line.discount", "order_line.b2b_technical_discount")
    def _compute_b2b_manual_discount_count(self):
        for order in self:
            order.b2b_manual_discount_count = len(
                order.order_line.filtered("b2b_has_manual_discount")
            )

    @api.constrains("b2b_card_id", "partner_id")
    def _check_b2b_card_id(self):
        for order in self.filtered("b2b_card_id"):
            if order.b2b_card_id.partner_id != order.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "Loyalty card %(card)s belongs to %(holder)s: it cannot be "
                        "used on an order of %(customer)s. Pick one of %(company)s's "
                        "cards, or none.",
                        card=order.b2b_card_id.display_name,
                        holder=order.b2b_card_id.partner_id.display_name,
                        customer=order.partner_id.display_name,
                        company=order.partner_id.commercial_partner_id.display_name,
                    )
                )

    def _get_copiable_order_lines(self):
        # A copy earns its own rewards.
        return (
            super()
            ._get_copiable_order_lines()
            .filtered(lambda line: not line.b2b_reward_kind)
        )

    def write(self, vals):
        if "b2b_card_id" in vals:
            self._b2b_check_card_change(vals["b2b_card_id"])
        return super().write(vals)

    def _b2b_check_card_change(self, card_id):
        """A confirmed or cancelled order keeps its card: its stamps and cashback
        were counted on it. Only an order confirmed without a card may receive
        one (automatic enrolment)."""
        for order in self:
            if order.state in QUOTATION_STATES or order.b2b_card_id.id == card_id:
                continue
            if order.b2b_card_id:
                raise UserError(
                    self.env._(
                        "The loyalty card of %(order)s cannot change: the order is "
                        "confirmed or cancelled, and its stamps and cashback were "
                        "counted on card %(card)s.",
                        order=order.name,
                        card=order.b2b_card_id.display_name,
                    )
                )

    def action_confirm(self):
        # Discounts still to recompute get their quotation's values, not the
        # confirmed order's (whose lines keep theirs).
        self.order_line._recompute_recordset(["b2b_discount", "discount"])
        self._b2b_check_confirmation()
        return super().action_confirm()

    def _action_confirm(self):
        res = super()._action_confirm()
        self._b2b_enroll()
        self._b2b_record_stamps()
        return res

    def _action_cancel(self):
        confirmed = self.filtered(lambda order: order.state == "sale")
        confirmed._b2b_check_stamps_returnable()
        res = super()._action_cancel()
        confirmed._b2b_return_stamps()
        return res

    def _recompute_prices(self):
        # "Update prices" resets line discounts: the card's included.
        return super(
            SaleOrder, self.with_context(b2b_force_discount=True)
        )._recompute_prices()

    def _get_update_prices_lines(self):
        # A free reward and a redemption keep their price and discount: they
        # are not priced by the pricelist (as in Odoo's own sale_loyalty).
        return (
            super()
            ._get_update_prices_lines()
            .filtered(lambda line: not line.b2b_reward_kind)
        )

    def action_b2b_apply_card_discount(self):
        """Give every eligible line the card's current discount, typed discounts
        included, as on a new quotation."""
        for order in self:
            if order.state not in QUOTATION_STATES:
                raise UserError(
                    self.env._(
                        "The card discount of %(order)s cannot change: it is no "
                        "longer a quotation.",
                        order=order.name,
                    )
                )
        lines = self.order_line.with_context(b2b_force_discount=True)
        lines._compute_b2b_discount()
        lines._compute_discount()
        return True

    def _b2b_get_best_cards(self):
        """``{order: card}``: the active card of each order's customer company,
        valid on the order date and eligible, that gives the most."""
        empty = self.env["loyalty.b2b.card"]
        partners = self.partner_id.commercial_partner_id
        if not partners:
            return dict.fromkeys(self, empty)
        # sudo: whoever may write the order gets its customer's card; the search
        # is limited to the orders' customers and companies.
        cards = empty.sudo().search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "in", self.company_id._b2b_get_program_companies().ids),
                ("state", "=", "active"),
            ]
        )
        result = {}
        for order in self:
            date = fields.Date.context_today(order, order.date_order)
            candidates = cards.filtered(
                lambda card, order=order, date=date: (
                    card.partner_id == order.partner_id.commercial_partner_id
                    and card.company_id in order.company_id._b2b_get_program_companies()
                    and card.program_id._is_valid_on(date)
                    and card.program_id._filter_eligible_partners(card.partner_id)
                )
            )
            best = max(
                candidates, key=lambda card: card._get_benefit_rank(), default=empty
            )
            result[order] = best.sudo(False)
        return result

    def _b2b_check_confirmation(self):
        """Refuse to confirm orders whose card cannot give what they promise.

        The cards whose stamps or cashback the orders spend are locked first, so
        that two orders confirmed at the same time cannot spend the same balance.
        """
        today = fields.Date.context_today(self)
        expected_types = {"stamp_reward": "stamp", "cashback": "cashback"}
        spending = self.browse()
        quotations = self.filtered(lambda o: o.state in QUOTATION_STATES)
        quotations.b2b_card_id.sudo()._fetch_confirmation_fields()
        for order in quotations:
            # sudo: the card was checked when it was set on the order; reading
            # its state and program needs no access check on every confirmation.
            card = order.b2b_card_id.sudo()
            kinds = set(order.order_line.mapped("b2b_reward_kind")) - {False}
            if not card:
                if kinds:
                    raise UserError(
                        self.env._(
                            "%(order)s holds loyalty reward or cashback lines but "
                            "no loyalty card: choose the card or remove the lines.",
                            order=order.name,
                        )
                    )
                continue
            if card.state != "active" or not card.program_id._is_valid_on(today):
                raise UserError(
                    self.env._(
                        "Loyalty card %(card)s of %(order)s is no longer valid "
                        "(blocked, expired or its program ended): choose another "
                        "card or none, then confirm.",
                        card=card.display_name,
                        order=order.name,
                    )
                )
            if any(
                expected_types[kind] != card.program_id.program_type for kind in kinds
            ) or (order.order_line.filtered("b2b_reward_kind").b2b_card_id - card):
                raise UserError(
                    self.env._(
                        "The reward or cashback lines of %(order)s do not match its "
                        "loyalty card %(card)s: stamp rewards need a stamp card, "
                        "cashback a cashback card. Remove the lines or choose the "
                        "right card.",
                        order=order.name,
                        card=card.display_name,
                    )
                )
            if kinds:
                spending |= order
        if spending:
            by_type = spending.grouped(lambda o: o.b2b_card_id.program_id.program_type)
            # Stamps are spent in the ledger at once, which locks their cards;
            # cashback is only committed until the invoice: lock it here.
            by_type.get("stamp", self.browse())._b2b_check_stamps()
            cashback = by_type.get("cashback", self.browse())
            cashback.b2b_card_id._lock_for_spending()
            cashback._b2b_check_cashback()

    # Invoicing: cashback spent in proportion to what is invoiced ------------
