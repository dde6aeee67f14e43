from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_is_zero, float_round, format_amount

from .number_checks import is_finite_number
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

    def action_b2b_add_stamp_reward(self):
        """Add the stamp card's reward, free of charge; confirming the order
        consumes the stamps."""
        self.ensure_one()
        card = self.b2b_card_id
        if not self.b2b_is_reward_available:
            raise UserError(
                self.env._(
                    "No stamp reward is available on %(order)s: it needs a "
                    "quotation with an active stamp card holding %(required)s "
                    "stamps, and no reward yet.",
                    order=self.name,
                    required=card.stamps_required,
                )
            )
        product = card.program_id.stamp_reward_product_id
        if not product.active:
            raise UserError(
                self.env._(
                    "Program %(program)s has no reward product any more: set one "
                    "on the program before adding the reward.",
                    program=card.program_id.display_name,
                )
            )
        self.env["sale.order.line"].create(
            {
                "order_id": self.id,
                "b2b_card_id": card.id,
                "product_id": product.id,
                "name": self.env._(
                    "%(product)s\nStamp reward: %(stamps)s stamps of card %(card)s",
                    product=product.display_name,
                    stamps=card.stamps_required,
                    card=card.name,
                ),
                "product_uom_qty": 1.0,
                "discount": 100.0,
                "b2b_reward_kind": "stamp_reward",
                "sequence": max(self.order_line.mapped("sequence"), default=10) + 1,
            }
        )
        return True

    def action_b2b_open_cashback_wizard(self):
        self.ensure_one()
        self._b2b_check_cashback_card()
        return {
            "name": self.env._("Use Cashback"),
            "type": "ir.actions.act_window",
            "res_model": "loyalty.b2b.cashback.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def b2b_apply_cashback(self, amount):
        """Spend ``amount`` (in the order's currency) of the card's cashback on
        this quotation, as one redemption line replacing any previous one.

        Public: integrations may call it. Raises a UserError when the amount is
        not positive, exceeds the order's total or the card's available balance.
        """
        self.ensure_one()
        card = self._b2b_check_cashback_card()
        currency = self.currency_id
        if not is_finite_number(amount):
            raise UserError(
                self.env._(
                    "The cashback to use must be an amount, not %(value)r.",
                    value=amount,
                )
            )
        amount = currency.round(amount)
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._("The cashback to use must be positive."))
        # Taken before reading the balance: see loyalty.b2b.card._lock_for_spending().
        card._lock_for_spending()
        available, order_total = self._b2b_get_cashback_limits()
        usable = self._b2b_get_usable_cashback(order_total)
        if currency.compare_amounts(amount, usable) > 0:
            raise UserError(self._b2b_cashback_over_total_message(amount, usable))
        if currency.compare_amounts(amount, available) > 0:
            raise UserError(
                self._b2b_cashback_exceeded_message(card, amount, available, currency)
            )
        self.order_line.filtered(
            lambda line: line.b2b_reward_kind == "cashback"
        ).unlink()
        self.env["sale.order.line"].create(
            {
                "order_id": self.id,
                "b2b_card_id": card.id,
                "product_id": card.program_id.cashback_redemption_product_id.id,
                "name": self.env._(
                    "Cashback redemption (card %(card)s)", card=card.name
                ),
                "product_uom_qty": 1.0,
                "price_unit": -amount,
                "b2b_reward_kind": "cashback",
                "sequence": max(self.order_line.mapped("sequence"), default=10) + 1,
            }
        )
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
                ("company_id", "in", self.company_id.ids),
                ("state", "=", "active"),
            ]
        )
        result = {}
        for order in self:
            date = fields.Date.context_today(order, order.date_order)
            candidates = cards.filtered(
                lambda card, order=order, date=date: (
                    card.partner_id == order.partner_id.commercial_partner_id
                    and card.company_id == order.company_id
                    and card.program_id._is_valid_on(date)
                    and card.program_id._filter_eligible_partners(card.partner_id)
                )
            )
            best = max(
                candidates, key=lambda card: card._b2b_get_benefit_rank(), default=empty
            )
            result[order] = best.sudo(False)
        return result

    def _b2b_check_cashback_card(self):
        """The order's cashback card, or a clear error."""
        self.ensure_one()
        card = self.b2b_card_id
        if self.state not in QUOTATION_STATES:
            raise UserError(
                self.env._(
                    "Cashback can only be used on a quotation; %(order)s is not "
                    "one any more.",
                    order=self.name,
                )
            )
        if card.program_type != "cashback" or card.state != "active":
            raise UserError(
                self.env._(
                    "%(order)s has no active cashback card: choose the customer's "
                    "cashback card in the Loyalty Card field first.",
                    order=self.name,
                )
            )
        if not card.program_id.cashback_redemption_product_id:
            raise UserError(
                self.env._(
                    "Program %(program)s has no redemption product: set one on the "
                    "program to spend its cashback on orders.",
                    program=card.program_id.display_name,
                )
            )
        return card

    def _b2b_get_cashback_limits(self):
        """(available cashback, order total without redemption), both in the
        order's currency. The available amount is rounded down so that spending
        all of it never exceeds the balance once converted back."""
        self.ensure_one()
        card = self.b2b_card_id
        available = card.currency_id._convert(
            card.cashback_available,
            self.currency_id,
            self.company_id,
            self.date_order,
            round=False,
        )
        available = float_round(
            max(available, 0.0),
            precision_rounding=self.currency_id.rounding,
            rounding_method="DOWN",
        )
        redemption = self.order_line.filtered(
            lambda line: line.b2b_reward_kind == "cashback"
        )
        order_total = self.amount_total - sum(redemption.mapped("price_total"))
        return available, order_total

    def _b2b_get_usable_cashback(self, order_total):
        """The most cashback (the redemption line's untaxed price, in the
        order's currency) that keeps the order's total at or above zero: the
        order total itself, unless the redemption product bears taxes."""
        self.ensure_one()
        product = self.b2b_card_id.program_id.cashback_redemption_product_id
        taxes = self.fiscal_position_id.map_tax(
            product.taxes_id._filter_taxes_by_company(self.company_id)
        )
        if not taxes or self.currency_id.compare_amounts(order_total, 0.0) <= 0:
            return max(order_total, 0.0)
        with_taxes = taxes.compute_all(
            order_total, self.currency_id, 1.0, product, self.partner_id
        )["total_included"]
        return float_round(
            order_total * order_total / with_taxes,
            precision_rounding=self.currency_id.rounding,
            rounding_method="DOWN",
        )

    def _b2b_cashback_over_total_message(self, amount, usable):
        currency = self.currency_id
        return self.env._(
            "%(amount)s of cashback exceeds the total of %(order)s: at most "
            "%(usable)s can be used (the total including the taxes of the "
            "redemption line stays at or above zero).",
            amount=format_amount(self.env, amount, currency),
            order=self.name,
            usable=format_amount(self.env, usable, currency),
        )

    def _b2b_get_cashback_spent(self):
        """Cashback each order of ``self`` spends once confirmed today, in company
        currency (as its commitment will count it)."""
        today = fields.Date.context_today(self)
        spent = {}
        for order in self:
            lines = order.order_line.filtered(
                lambda line: line.b2b_reward_kind == "cashback"
            )
            spent[order] = order.currency_id._convert(
                -sum(lines.mapped("price_subtotal")),
                order.company_id.currency_id,
                order.company_id,
                today,
            )
        return spent

    def _b2b_check_confirmation(self):
        """Refuse to confirm orders whose card cannot give what they promise.

        The cards whose stamps or cashback the orders spend are locked first, so
        that two orders confirmed at the same time cannot spend the same balance.
        """
        today = fields.Date.context_today(self)
        expected_types = {"stamp_reward": "stamp", "cashback": "cashback"}
        spending = self.browse()
        quotations = self.filtered(lambda o: o.state in QUOTATION_STATES)
        quotations.b2b_card_id.sudo()._b2b_fetch_confirmation_fields()
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

    def _b2b_check_stamps(self):
        """The cards hold the stamps of the rewards of the orders ``self``."""
        rewards = defaultdict(int)
        for order in self:
            rewards[order.b2b_card_id] += 1
        for card, count in rewards.items():
            needed = count * card.stamps_required
            if card.stamp_count < needed:
                raise UserError(
                    self.env._(
                        "Card %(card)s has %(count)s stamps; the orders being "
                        "confirmed need %(needed)s for their rewards. Remove a "
                        "reward line or confirm later.",
                        card=card.display_name,
                        count=card.stamp_count,
                        needed=needed,
                    )
                )

    def _b2b_check_cashback(self):
        """The cards can pay the cashback the orders ``self`` spend."""
        for order in self:
            if order.currency_id.compare_amounts(order.amount_total, 0.0) < 0:
                raise UserError(
                    self.env._(
                        "The cashback used on %(order)s exceeds its total: lower "
                        "the redemption line.",
                        order=order.name,
                    )
                )
        requested = defaultdict(float)
        for order, amount in self._b2b_get_cashback_spent().items():
            requested[order.b2b_card_id] += amount
        for card, amount in requested.items():
            if card.currency_id.compare_amounts(amount, card.cashback_available) > 0:
                raise UserError(
                    self._b2b_cashback_exceeded_message(
                        card, amount, card.cashback_available, card.currency_id
                    )
                )

    def _b2b_cashback_exceeded_message(self, card, amount, available, currency):
        return self.env._(
            "Card %(card)s cannot spend %(amount)s of cashback: only %(available)s "
            "is available (balance %(balance)s, of which %(committed)s is already "
            "committed on confirmed orders not invoiced yet).",
            card=card.display_name,
            amount=format_amount(self.env, amount, currency),
            available=format_amount(self.env, max(available, 0.0), currency),
            balance=format_amount(self.env, card.cashback_balance, card.currency_id),
            committed=format_amount(
                self.env, card.cashback_committed, card.currency_id
            ),
        )

    def _b2b_enroll(self):
        """Issue the cards of the automatic-enrolment programs to the confirmed
        orders' companies that have none. An order confirmed without a card gets
        its company's enrolment card issued after the quotation was created: the
        one issued now, or the one a concurrent confirmation issued an instant
        before (its discount is not applied after the fact: the price was
        agreed)."""
        orders = self.filtered("partner_id")
        if not orders:
            return
        programs = self.env["loyalty.b2b.program"]._get_auto_enroll_programs(
            orders.company_id
        )
        if not programs:
            return
        card_model = self.env["loyalty.b2b.card"].sudo()
        partners = orders.partner_id.commercial_partner_id
        cards = card_model.search(
            [("program_id", "in", programs.ids), ("partner_id", "in", partners.ids)]
        )
        enrolled = {(card.program_id, card.partner_id) for card in cards}
        today = fields.Date.context_today(self)
        programs = programs.filtered(lambda program: program._is_valid_on(today))
        eligible = {
            program: program._filter_eligible_partners(partners) for program in programs
        }
        vals_list, issuing_orders = [], []
        for order in orders:
            partner = order.partner_id.commercial_partner_id
            for program in programs:
                if (
                    program.company_id != order.company_id
                    or (program, partner) in enrolled
                    or partner not in eligible[program]
                ):
                    continue
                enrolled.add((program, partner))
                vals_list.append({"program_id": program.id, "partner_id": partner.id})
                issuing_orders.append(order)
        if vals_list:
            card_model._lock_enrolment(
                self.env["res.partner"].browse(
                    {vals["partner_id"] for vals in vals_list}
                )
            )
            new_cards = card_model.create(vals_list)
            new_cards._message_log_batch(
                bodies={
                    card.id: self.env._(
                        "Card issued automatically at the confirmation of order "
                        "%(order)s.",
                        order=order.name,
                    )
                    for card, order in zip(new_cards, issuing_orders, strict=True)
                }
            )
            cards |= new_cards
        cards = cards.filtered(
            lambda card: card.state == "active" and card.program_id in programs
        ).sorted(lambda card: (card.program_id.sequence, card.program_id.id))
        for order in orders.filtered(lambda order: not order.b2b_card_id):
            card = cards.filtered(
                lambda card, order=order: (
                    card.partner_id == order.partner_id.commercial_partner_id
                    and card.company_id == order.company_id
                    and card.create_date >= order.create_date
                )
            )[:1]
            if card:
                order.b2b_card_id = card.sudo(False)

    def _b2b_record_stamps(self):
        """Ledger entries of the stamp cards of the orders just confirmed: one
        stamp per order reaching the program's minimum, the reward's stamps
        consumed."""
        vals_list = []
        for order in self:
            # sudo: see _b2b_check_confirmation.
            card = order.b2b_card_id.sudo()
            program = card.program_id
            if program.program_type != "stamp":
                continue
            # The minimum, in company currency, at the order's own rate.
            minimum = program.stamp_min_amount * order.currency_rate
            if order.currency_id.compare_amounts(order.amount_untaxed, minimum) >= 0:
                vals_list.append(
                    {
                        "card_id": card.id,
                        "kind": "stamp",
                        "stamps": 1,
                        "sale_order_id": order.id,
                        "note": self.env._("Order %(order)s", order=order.name),
                    }
                )
            if "stamp_reward" in order.order_line.mapped("b2b_reward_kind"):
                vals_list.append(
                    {
                        "card_id": card.id,
                        "kind": "stamp_reward",
                        "stamps": -card.stamps_required,
                        "sale_order_id": order.id,
                        "note": self.env._(
                            "Reward of order %(order)s", order=order.name
                        ),
                    }
                )
        # sudo: the ledger is append-only and written by business flows only.
        self.env["loyalty.b2b.transaction"].sudo().create(vals_list)

    def _b2b_get_stamps_to_return(self):
        """``[(order, card, kind, stamps)]``: what the confirmation of the orders
        ``self`` did to stamp cards, still standing."""
        if not self:
            return []
        # sudo: the ledger of the cards of orders the user may cancel.
        return (
            self.env["loyalty.b2b.transaction"]
            .sudo()
            ._read_group(
                [
                    ("sale_order_id", "in", self.ids),
                    ("kind", "in", ("stamp", "stamp_reward")),
                ],
                ["sale_order_id", "card_id", "kind"],
                ["stamps:sum"],
            )
        )

    def _b2b_check_stamps_returnable(self):
        """Rule of a cancelled order whose stamp was already spent: the
        cancellation is refused, the card never goes below zero stamps. Its
        reward order must be cancelled first (which gives the stamps back)."""
        taken = defaultdict(int)
        orders = defaultdict(lambda: self.browse())
        for order, card, _kind, stamps in self._b2b_get_stamps_to_return():
            taken[card] += stamps
            orders[card] |= order
        for card, stamps in taken.items():
            if stamps > card.stamp_count:
                raise UserError(
                    self.env._(
                        "%(orders)s cannot be cancelled: the stamps earned on card "
                        "%(card)s were already spent on a reward (the card holds "
                        "%(count)s stamps, the cancellation takes back "
                        "%(stamps)s). Cancel the order of the reward first.",
                        orders=", ".join(orders[card].mapped("name")),
                        card=card.display_name,
                        count=card.stamp_count,
                        stamps=stamps,
                    )
                )

    def _b2b_return_stamps(self):
        """Cancelled orders give back what their confirmation did to the stamps:
        the stamp earned is taken back, the reward's stamps are returned."""
        self.env["loyalty.b2b.transaction"].sudo().create(
            [
                {
                    "card_id": card.id,
                    "kind": kind,
                    "stamps": -stamps,
                    "sale_order_id": order.id,
                    "note": self.env._("Order %(order)s cancelled", order=order.name),
                }
                for order, card, kind, stamps in self._b2b_get_stamps_to_return()
                if stamps
            ]
        )

    # Invoicing: cashback spent in proportion to what is invoiced ------------

    def _get_invoiceable_lines(self, final=False):
        # Cashback reduces an invoice that carries goods or services of the
        # order, never a document of its own (which would be a credit note).
        lines = super()._get_invoiceable_lines(final)
        redemptions = lines.filtered(lambda line: line.b2b_reward_kind == "cashback")
        precision = self.env["decimal.precision"].precision_get(
            "Product Unit of Measure"
        )
        empty = redemptions.filtered(
            lambda line: float_is_zero(
                line.order_id._b2b_get_redemption_quantity(line),
                precision_digits=precision,
            )
        )
        return lines - empty

    def _b2b_get_redemption_quantity(self, line):
        """Quantity of the redemption ``line`` to invoice now: the share of the
        order's goods and services invoiced once this invoice is made (taxes
        included), rounded down, less what was invoiced already. Each invoice
        thus takes its part of the cashback and never more than it carries; the
        last one takes what is left."""
        self.ensure_one()
        goods = self.order_line.filtered(
            lambda other: (
                not other.display_type
                and not other.b2b_reward_kind
                and not other.is_downpayment
                and other.product_uom_qty > 0
            )
        )
        total = sum(goods.mapped("price_total"))
        if not goods or self.currency_id.compare_amounts(total, 0.0) <= 0:
            return 0.0
        invoiced = 0.0
        complete = True
        for other in goods:
            quantity = other.qty_invoiced + max(other.qty_to_invoice, 0.0)
            share = min(quantity / other.product_uom_qty, 1.0)
            complete = complete and share >= 1.0
            invoiced += other.price_total * share
        if complete:
            quantity = line.product_uom_qty
        else:
            quantity = float_round(
                line.product_uom_qty * invoiced / total,
                precision_rounding=line.product_uom.rounding,
                rounding_method="DOWN",
            )
        return max(quantity - line.qty_invoiced, 0.0)
