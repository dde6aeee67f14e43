from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .sale_order_line import QUOTATION_STATES


class SaleOrder(models.Model):
    _inherit = "sale.order"

    b2b_commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", string="Customer Company"
    )
    b2b_card_ids = fields.Many2many(
        "loyalty.b2b.card",
        "sale_order_b2b_card_rel",
        "order_id",
        "card_id",
        string="Loyalty Cards",
        compute="_compute_b2b_card_ids",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        domain="[('partner_id', '=', b2b_commercial_partner_id), "
        "('state', '=', 'active')]",
        copy=False,
        help="The cards of the customer's company this order uses: every active "
        "card valid on the order date, set when the customer changes. Remove a "
        "card to leave it out of this order (its discount, stamp, reward and "
        "cashback).",
    )
    b2b_available_card_ids = fields.Many2many(
        "loyalty.b2b.card",
        string="Cards of the Customer",
        compute="_compute_b2b_available_card_ids",
        help="Every card of the customer's company the order could use.",
    )
    b2b_removed_card_ids = fields.Many2many(
        "loyalty.b2b.card",
        string="Cards Left Out",
        compute="_compute_b2b_available_card_ids",
        help="Cards of the customer's company removed from this order.",
    )
    b2b_card_id = fields.Many2one(
        "loyalty.b2b.card",
        string="Discount Card",
        compute="_compute_b2b_card_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('id', 'in', b2b_card_ids)]",
        copy=False,
        help="The card of the order whose discount the lines get: the one giving "
        "the most. You may pick another of the order's cards. Cards whose "
        "program combines with others add their discount to it.",
    )
    b2b_program_type = fields.Selection(related="b2b_card_id.program_type")
    b2b_tier_id = fields.Many2one(related="b2b_card_id.tier_id", string="Card Tier")
    b2b_discount_percent = fields.Float(
        string="Card Discount (%)",
        digits="Discount",
        compute="_compute_b2b_discount_percent",
        help="Discount of the discount card on this order: for a discount by "
        "order size, the bracket the order reaches.",
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
    def _compute_b2b_card_ids(self):
        quotations = self.filtered(lambda order: order.state in QUOTATION_STATES)
        for order in self - quotations:
            order.b2b_card_ids = order.b2b_card_ids
        valid_cards = quotations._b2b_get_valid_cards()
        for order in quotations:
            order.b2b_card_ids = valid_cards[order]

    @api.depends("b2b_card_ids")
    def _compute_b2b_card_id(self):
        for order in self:
            if order.state not in QUOTATION_STATES:
                order.b2b_card_id = order.b2b_card_id
                continue
            order.b2b_card_id = max(
                order.b2b_card_ids._origin,
                key=lambda card, order=order: card._get_benefit_rank(order),
                default=order.b2b_card_ids._origin.browse(),
            )

    @api.depends("b2b_card_ids", "partner_id", "company_id")
    def _compute_b2b_available_card_ids(self):
        valid_cards = self._b2b_get_valid_cards()
        for order in self:
            applied = order.b2b_card_ids._origin
            order.b2b_available_card_ids = valid_cards[order] | applied
            order.b2b_removed_card_ids = valid_cards[order] - applied

    @api.depends(
        "b2b_card_id.discount_percent",
        "b2b_card_id.program_id.discount_basis",
        "b2b_card_id.program_id.order_bracket_ids.min_amount",
        "b2b_card_id.program_id.order_bracket_ids.discount_percent",
        "order_line.price_unit",
        "order_line.product_uom_qty",
        "order_line.product_id",
        "currency_rate",
    )
    def _compute_b2b_discount_percent(self):
        for order in self:
            card = order.b2b_card_id._origin
            order.b2b_discount_percent = (
                card._get_order_discount_percent(order) if card else 0.0
            )

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
        "b2b_card_ids.is_stamp_reward_ready",
        "b2b_card_ids.state",
        "order_line.b2b_reward_kind",
        "order_line.b2b_card_id",
    )
    def _compute_b2b_is_reward_available(self):
        for order in self:
            order.b2b_is_reward_available = bool(order._b2b_get_reward_cards())

    @api.depends("order_line.discount", "order_line.b2b_technical_discount")
    def _compute_b2b_manual_discount_count(self):
        for order in self:
            order.b2b_manual_discount_count = len(
                order.order_line.filtered("b2b_has_manual_discount")
            )

    @api.constrains("b2b_card_id", "b2b_card_ids", "partner_id")
    def _check_b2b_card_id(self):
        for order in self:
            customer = order.partner_id.commercial_partner_id
            for card in order.b2b_card_ids | order.b2b_card_id:
                if card.partner_id != customer:
                    raise ValidationError(
                        self.env._(
                            "Loyalty card %(card)s belongs to %(holder)s: it cannot "
                            "be used on an order of %(customer)s. Pick one of "
                            "%(company)s's cards, or none.",
                            card=card.display_name,
                            holder=card.partner_id.display_name,
                            customer=order.partner_id.display_name,
                            company=customer.display_name,
                        )
                    )

    def _get_copiable_order_lines(self):
        # A copy earns its own rewards.
        return (
            super()
            ._get_copiable_order_lines()
            .filtered(lambda line: not line.b2b_reward_kind)
        )

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders._b2b_apply_main_card()
        return orders

    def write(self, vals):
        if "b2b_card_id" in vals:
            self._b2b_check_card_change(vals["b2b_card_id"])
        if "b2b_card_ids" in vals:
            self._b2b_check_card_set_change()
        res = super().write(vals)
        if "b2b_card_id" in vals:
            self._b2b_apply_main_card()
        if "b2b_card_ids" in vals:
            self._b2b_get_lines_of_removed_cards().unlink()
        return res

    @api.onchange("b2b_card_ids")
    def _onchange_b2b_card_ids(self):
        # A card left out of the quotation takes its reward and redemption along.
        self.order_line -= self._b2b_get_lines_of_removed_cards()

    def _b2b_get_lines_of_removed_cards(self):
        """Reward and redemption lines of quotations ``self`` spending a card
        that is no longer one of the order's cards."""
        return self.order_line.filtered(
            lambda line: (
                line.b2b_reward_kind
                and line.b2b_card_id
                and line.order_id.state in QUOTATION_STATES
                and line.b2b_card_id._origin not in line.order_id.b2b_card_ids._origin
            )
        )

    def _b2b_apply_main_card(self):
        """The discount card is one of the order's cards: a card of the customer
        picked as discount card (an integration, an import) joins them."""
        for order in self:
            card = order.b2b_card_id
            if card and card not in order.b2b_card_ids:
                order.with_context(b2b_allow_card_set_change=True).b2b_card_ids |= card

    def _b2b_check_card_set_change(self):
        """A confirmed or cancelled order keeps its cards, like its discount
        card; automatic enrolment adds the card it issues (in the context, as
        the discount card joining its cards does)."""
        if self.env.context.get("b2b_allow_card_set_change"):
            return
        for order in self:
            if order.state not in QUOTATION_STATES:
                raise UserError(
                    self.env._(
                        "The loyalty cards of %(order)s cannot change: the order "
                        "is confirmed or cancelled, and its stamps and cashback "
                        "were counted on them.",
                        order=order.name,
                    )
                )

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

    def _b2b_customer_env(self):
        """The environment in the customer's language: the lines the cards add
        are printed on the customer's documents."""
        self.ensure_one()
        return self.with_context(lang=self.partner_id.lang or self.env.lang).env

    def _b2b_get_discount_cards(self):
        """The cards whose discount this order's lines get: its discount card,
        and its other cards whose program combines with others."""
        self.ensure_one()
        # The real cards: on a quotation being edited they are new records.
        main = self.b2b_card_id._origin
        cards = main | self.b2b_card_ids._origin.filtered(
            lambda card: card.program_id.combine_discounts
        )
        return cards.filtered(lambda card: card._get_order_discount_percent(self))

    def _b2b_get_valid_cards(self):
        """``{order: cards}``: the active cards of each order's customer company,
        valid on the order date and eligible (in sudo: whoever may write the
        order gets its customer's cards)."""
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
        # Eligibility (segment, pilot) checked once per program for all cards.
        cards = cards._filter_eligible_holders()
        result = {}
        for order in self:
            date = fields.Date.context_today(order, order.date_order)
            candidates = cards.filtered(
                lambda card, order=order, date=date: (
                    card.partner_id == order.partner_id.commercial_partner_id
                    and card.company_id in order.company_id._b2b_get_program_companies()
                    and card.program_id._is_valid_on(date)
                )
            )
            result[order] = candidates.sudo(False)
        return result

    def _b2b_check_confirmation(self):
        """Refuse to confirm orders whose cards cannot give what they promise,
        and leave out the cards no longer valid that the order does not use.

        The cards whose stamps or cashback the orders spend are locked first, so
        that two orders confirmed at the same time cannot spend the same balance.
        """
        quotations = self.filtered(lambda o: o.state in QUOTATION_STATES)
        # sudo: the cards were checked when they were set on the order; reading
        # their state and program needs no access check on every confirmation.
        quotations.b2b_card_ids.sudo()._fetch_confirmation_fields()
        for order in quotations:
            order._b2b_check_reward_lines()
            invalid = order._b2b_get_invalid_cards()
            if invalid:
                order.with_context(
                    b2b_allow_card_set_change=True
                ).b2b_card_ids -= invalid
        lines = quotations.order_line
        stamp_rewards = lines.filtered(lambda l: l.b2b_reward_kind == "stamp_reward")
        # Stamps are spent in the ledger at once, which locks their cards;
        # cashback is only committed until the invoice: lock it here.
        stamp_rewards.order_id._b2b_check_stamps()
        redemptions = lines.filtered(lambda line: line.b2b_reward_kind == "cashback")
        redemptions.b2b_card_id._lock_for_spending()
        redemptions.order_id._b2b_check_cashback()

    def _b2b_check_reward_lines(self):
        """Each reward or redemption line spends a card of the order of its
        kind: stamp rewards a stamp card, cashback a cashback card."""
        self.ensure_one()
        expected_types = {"stamp_reward": "stamp", "cashback": "cashback"}
        cards = self.b2b_card_ids.sudo()
        for line in self.order_line.filtered("b2b_reward_kind"):
            expected_type = expected_types[line.b2b_reward_kind]
            same_type = cards.filtered(lambda c, t=expected_type: c.program_type == t)
            if not line.b2b_card_id and len(same_type) == 1:
                # A line added another way (an import, an integration) spends
                # the order's only card of its kind.
                line.b2b_card_id = same_type.sudo(False)
            card = line.b2b_card_id.sudo()
            if not cards:
                raise UserError(
                    self.env._(
                        "%(order)s holds loyalty reward or cashback lines but "
                        "no loyalty card: choose the card or remove the lines.",
                        order=self.name,
                    )
                )
            if card not in cards or card.program_type != expected_type:
                raise UserError(
                    self.env._(
                        "The reward or cashback lines of %(order)s do not match its "
                        "loyalty cards: each spends a card of the order, stamp "
                        "rewards a stamp card, cashback a cashback card. Remove "
                        "the line %(line)s or add its card to the order.",
                        order=self.name,
                        line=line.name,
                    )
                )

    def _b2b_get_invalid_cards(self):
        """The cards of this quotation no longer valid (blocked, expired, program
        ended) that it does not use; a clear error for those it uses (its
        discount card, the cards its reward and redemption lines spend)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        spent = self.order_line.filtered("b2b_reward_kind").b2b_card_id
        used = self.b2b_card_id | spent
        invalid = self.b2b_card_ids.sudo().filtered(
            lambda card: (
                card.state != "active" or not card.program_id._is_valid_on(today)
            )
        )
        for card in invalid:
            if card in used:
                raise UserError(
                    self.env._(
                        "Loyalty card %(card)s of %(order)s is no longer valid "
                        "(blocked, expired or its program ended): choose another "
                        "card or none, then confirm.",
                        card=card.display_name,
                        order=self.name,
                    )
                )
        return invalid.sudo(False)

    # Invoicing: cashback spent in proportion to what is invoiced ------------
