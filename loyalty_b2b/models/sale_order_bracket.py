from odoo import api, fields, models
from odoo.tools import format_amount

from .sale_order_line import QUOTATION_STATES


class SaleOrder(models.Model):
    """The size of an order for a discount by order size, and what the card
    panel says about it."""

    _inherit = "sale.order"

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        # The discount card was ranked before the lines existed (they are
        # created after their order): rank it again on the order's size,
        # unless it was given.
        ranked = self.browse(
            order.id
            for order, vals in zip(orders, vals_list, strict=True)
            if "b2b_card_id" not in vals and order._b2b_has_order_size_cards()
        )
        if ranked:
            self.env.add_to_compute(self._fields["b2b_card_id"], ranked)
        return orders

    def _b2b_has_order_size_cards(self):
        """This quotation uses a card whose discount follows its size."""
        self.ensure_one()
        return self.state in QUOTATION_STATES and any(
            card.program_id._has_order_brackets() for card in self.b2b_card_ids
        )

    def _b2b_get_order_size_amount(self, card):
        """Hook: the order's untaxed amount of the lines eligible to ``card``'s
        discount, before any card discount, in the currency of the card's
        company (at the order's rate): what decides its bracket."""
        self.ensure_one()
        lines = self.order_line._b2b_filter_eligible_lines(card)
        amount = self.currency_id.round(
            sum(line._b2b_get_order_size_base() for line in lines)
        )
        return self._b2b_convert_to_card_currency(amount, card)

    def _b2b_convert_to_card_currency(self, amount, card):
        """``amount`` of this order's currency in the currency of ``card``'s
        company, at the order's rate."""
        self.ensure_one()
        currency = card.currency_id
        if self.currency_id == currency:
            return amount
        if self.company_id.currency_id == currency and self.currency_rate:
            return currency.round(amount / self.currency_rate)
        return self.currency_id._convert(
            amount,
            currency,
            self.company_id,
            fields.Date.context_today(self, self.date_order),
        )

    def _b2b_get_discount_effect_lines(self, card):
        sentences = super()._b2b_get_discount_effect_lines(card)
        if self.state in QUOTATION_STATES and card.program_id._has_order_brackets():
            sentences += self._b2b_get_order_size_effect_lines(card)
        return sentences

    def _b2b_get_order_size_effect_lines(self, card):
        """The eligible amount that decides the bracket of ``card`` on this
        quotation, and what the next bracket takes."""
        program = card.program_id
        amount = self._b2b_get_order_size_amount(card)
        sentences = [
            self.env._(
                "Eligible amount for the order-size discount: %(amount)s.",
                amount=format_amount(self.env, amount, card.currency_id),
            )
        ]
        following = program._get_next_order_bracket(amount)
        if following:
            _min_amount, percent, missing = following
            sentences.append(
                self.env._(
                    "%(missing)s more of eligible products gives %(percent)s %%.",
                    missing=format_amount(self.env, missing, card.currency_id),
                    percent=program._format_percent_number(percent),
                )
            )
        return sentences
