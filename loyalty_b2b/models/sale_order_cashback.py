from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero, float_round, format_amount

from .number_checks import is_finite_number
from .sale_order_line import QUOTATION_STATES


class SaleOrder(models.Model):
    """Cashback on orders: spending it on a quotation, checking it at
    confirmation, invoicing it in proportion."""

    _inherit = "sale.order"

    b2b_has_cashback_card = fields.Boolean(
        compute="_compute_b2b_has_cashback_card",
        help="One of the order's cards is an active cashback card.",
    )

    @api.depends("b2b_card_ids.state", "b2b_card_ids.program_id.program_type")
    def _compute_b2b_has_cashback_card(self):
        for order in self:
            order.b2b_has_cashback_card = bool(order._b2b_get_cashback_cards())

    def action_b2b_open_cashback_wizard(self):
        self.ensure_one()
        self._b2b_check_cashback_quotation()
        if not self._b2b_get_cashback_cards():
            # The clear error of a quotation without a cashback card.
            self._b2b_check_cashback_card()
        return {
            "name": self.env._("Use Cashback"),
            "type": "ir.actions.act_window",
            "res_model": "loyalty.b2b.cashback.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def b2b_apply_cashback(self, amount, card=None):
        """Spend ``amount`` (in the order's currency) of the cashback of ``card``
        (a card or its id; optional when the order has one cashback card) on
        this quotation, as one redemption line replacing any previous one of
        that card.

        Public: integrations may call it. Raises a UserError when the amount is
        not positive, exceeds the order's total or the card's available balance,
        or when the card is not a cashback card of the order.
        """
        self.ensure_one()
        card = self._b2b_check_cashback_card(card)
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
        available, order_total = self._b2b_get_cashback_limits(card)
        usable = self._b2b_get_usable_cashback(order_total, card)
        if currency.compare_amounts(amount, usable) > 0:
            raise UserError(self._b2b_cashback_over_total_message(amount, usable))
        if currency.compare_amounts(amount, available) > 0:
            raise UserError(
                self._b2b_cashback_exceeded_message(card, amount, available, currency)
            )
        self._b2b_get_replaceable_redemption_lines(card).unlink()
        self.env["sale.order.line"].create(
            self._b2b_prepare_redemption_line_vals(card, amount)
        )
        return True

    def _b2b_prepare_redemption_line_vals(self, card, amount):
        """Values of the line spending ``amount`` (order currency) of the
        cashback of ``card`` on this order, after its last line."""
        self.ensure_one()
        return {
            "order_id": self.id,
            "b2b_card_id": card.id,
            "product_id": card.program_id.cashback_redemption_product_id.id,
            # In the customer's language, as sale names product lines.
            "name": self._b2b_customer_env()._(
                "Cashback redemption (card %(card)s)", card=card.name
            ),
            "product_uom_qty": 1.0,
            "price_unit": -amount,
            "b2b_reward_kind": "cashback",
            "sequence": max(self.order_line.mapped("sequence"), default=10) + 1,
        }

    def _b2b_get_redemption_lines(self, card=None):
        """The cashback redemption lines of this order (of ``card`` only)."""
        return self.order_line.filtered(
            lambda line: (
                line.b2b_reward_kind == "cashback"
                and (not card or line.b2b_card_id == card)
            )
        )

    def _b2b_get_replaceable_redemption_lines(self, card):
        """Hook: the redemption lines of ``card`` that using cashback on this
        quotation replaces (all of them by default)."""
        return self._b2b_get_redemption_lines(card)

    def _b2b_get_cashback_cards(self):
        """The active cashback cards of this order, the most available first."""
        self.ensure_one()
        cards = self.b2b_card_ids._origin.filtered(
            lambda card: card.program_type == "cashback" and card.state == "active"
        )
        return cards.sorted(lambda card: (-card.cashback_available, card.id))

    def _b2b_check_cashback_quotation(self):
        self.ensure_one()
        if self.state not in QUOTATION_STATES:
            raise UserError(
                self.env._(
                    "Cashback can only be used on a quotation; %(order)s is not "
                    "one any more.",
                    order=self.name,
                )
            )

    def _b2b_check_cashback_card(self, card=None):
        """The cashback card ``card`` (a card or its id) of this quotation; by
        default its discount card when that is a cashback card, or its only
        cashback card. A clear error otherwise."""
        self.ensure_one()
        self._b2b_check_cashback_quotation()
        cards = self._b2b_get_cashback_cards()
        if isinstance(card, int) and not isinstance(card, bool):
            card = self.env["loyalty.b2b.card"].browse(card)
        elif card is not None and not isinstance(card, models.BaseModel):
            raise UserError(
                self.env._(
                    "The cashback card must be a card or its id, not %(value)r.",
                    value=card,
                )
            )
        if card is None and self.b2b_card_id._origin in cards:
            # The card the salesperson put first.
            card = self.b2b_card_id._origin
        if card is None and len(cards) > 1:
            raise UserError(
                self.env._(
                    "%(order)s has several cashback cards (%(cards)s): say which "
                    "one to use.",
                    order=self.name,
                    cards=", ".join(cards.mapped("name")),
                )
            )
        if card is None:
            card = cards[:1]
        if not cards:
            raise UserError(
                self.env._(
                    "%(order)s has no active cashback card: add the customer's "
                    "cashback card to the order's loyalty cards first.",
                    order=self.name,
                )
            )
        if card not in cards:
            raise UserError(
                self.env._(
                    "Card %(card)s is not an active cashback card of %(order)s.",
                    card=card.display_name,
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

    def _b2b_get_cashback_limits(self, card):
        """(available cashback of ``card``, order total without its redemption
        line), both in the order's currency. The available amount is rounded
        down so that spending all of it never exceeds the balance once
        converted back."""
        self.ensure_one()
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
        redemption = self._b2b_get_replaceable_redemption_lines(card)
        order_total = self.amount_total - sum(redemption.mapped("price_total"))
        return available, order_total

    def _b2b_get_usable_cashback(self, order_total, card):
        """The most cashback of ``card`` (the redemption line's untaxed price, in
        the order's currency) that keeps the order's total at or above zero: the
        order total itself, unless the redemption product bears taxes."""
        self.ensure_one()
        product = card.program_id.cashback_redemption_product_id
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
        """``{card: amount}``: cashback the orders ``self`` spend on each card
        once confirmed today, in company currency (as their commitments will
        count it)."""
        today = fields.Date.context_today(self)
        spent = defaultdict(float)
        for line in self._b2b_get_redemption_lines():
            order = line.order_id
            spent[line.b2b_card_id] += order.currency_id._convert(
                -line.price_subtotal,
                order.company_id.currency_id,
                order.company_id,
                today,
            )
        return spent

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
        for card, amount in self._b2b_get_cashback_spent().items():
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
