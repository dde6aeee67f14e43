from collections import defaultdict

from odoo import models

from .loyalty_b2b_transaction import LIVE_DOMAIN
from .sale_order_line import QUOTATION_STATES


class SaleOrder(models.Model):
    """The loyalty block of an order's printed quotation and portal page."""

    _inherit = "sale.order"

    def _b2b_get_summary_cards(self):
        """Hook: the cards the order's documents speak of: those it uses."""
        self.ensure_one()
        return self.b2b_card_ids

    def _b2b_get_loyalty_summary(self):
        """One plain dict per card of the order, for its documents (see
        ``_b2b_prepare_loyalty_summary_vals``); an empty list without card."""
        self.ensure_one()
        self.check_access("read")
        # sudo: an order the user reads (checked above; on the portal, the order
        # the route checked) shows its own cards and their ledger, which its
        # customer cannot read.
        order = self.sudo()
        savings = order._b2b_get_savings_by_card()
        return [
            order._b2b_prepare_loyalty_summary_vals(card, savings)
            for card in order._b2b_get_summary_cards()
        ]

    def _b2b_prepare_loyalty_summary_vals(self, card, savings):
        """What the order's documents say of ``card``: the card and its tier,
        what it saves on the order (``savings``: see
        ``_b2b_get_savings_by_card``), the stamps it holds after the order, the
        cashback the order spends, its next tier. Amounts untaxed, in the
        order's currency (``currency``, ``cashback_currency``);
        ``stamps_after`` is None when not told."""
        self.ensure_one()
        vals = card._prepare_summary_vals()
        vals.update(
            currency=self.currency_id,
            savings=savings.get(card, 0.0),
            cashback_currency=self.currency_id,
            cashback_spent=0.0,
            stamps_after=None,
            stamps_required=0,
        )
        if card.program_type == "stamp":
            vals["stamps_after"] = self._b2b_get_stamps_after(card)
            vals["stamps_required"] = card.stamps_required
        elif card.program_type == "cashback":
            redemptions = self.order_line.filtered(
                lambda line: (
                    line.b2b_reward_kind == "cashback" and line.b2b_card_id == card
                )
            )
            vals["cashback_spent"] = self.currency_id.round(
                -sum(redemptions.mapped("price_subtotal"))
            )
        return vals

    def _b2b_get_savings_by_card(self):
        """``{card: amount}``: what each card saves on the order, untaxed, in
        its currency. A free reward counts for the card whose stamps it spends,
        the discount of the other lines for the order's card."""
        self.ensure_one()
        savings = defaultdict(float)
        for line in self.order_line:
            savings[line.b2b_card_id or self.b2b_card_id] += line._b2b_get_savings()
        return {
            card: self.currency_id.round(amount) for card, amount in savings.items()
        }

    def _b2b_get_stamps_after(self, card):
        """Stamps the stamp card ``card`` holds after this order: on a
        quotation, once confirmed as it stands; on a confirmed order, as its
        confirmation left them. None when the order moved no stamp of the card
        (a cancelled order gave them back)."""
        self.ensure_one()
        if self.state in QUOTATION_STATES:
            stamps = card.stamp_count + self._b2b_get_stamps_earned(card)
            for line in self.order_line.filtered(
                lambda line: (
                    line.b2b_reward_kind == "stamp_reward" and line.b2b_card_id == card
                )
            ):
                stamps -= self._b2b_get_stamp_reward_cost(line)
            return stamps
        if self.state != "sale":
            return None
        entries = self.env["loyalty.b2b.transaction"].search(
            [
                ("sale_order_id", "=", self.id),
                ("card_id", "=", card.id),
                ("kind", "in", ("stamp", "stamp_reward")),
                *LIVE_DOMAIN,
            ]
        )
        if not entries:
            return None
        return card._get_ledger_totals_until(entries)[1]
