from collections import defaultdict

from odoo import models


class AccountMove(models.Model):
    """The loyalty block of a printed invoice or credit note (also shown on its
    portal page, which renders the printed one)."""

    _inherit = "account.move"

    def _b2b_get_summary_cards(self):
        """Hook: the cards a customer document speaks of: the cards of its
        orders, those its redemption lines spend, those its ledger entries
        move."""
        self.ensure_one()
        lines = self.invoice_line_ids
        return (
            lines.sale_line_ids.order_id.b2b_card_id
            | lines.b2b_card_id
            | self._b2b_get_summary_entries().card_id
        )

    def _b2b_get_summary_entries(self):
        """Live ledger entries of this document: cashback earned, spent or
        given back, and taken back by a credit note."""
        self.ensure_one()
        if not self.id:
            return self.env["loyalty.b2b.transaction"]
        return self.env["loyalty.b2b.transaction"]._search_live(
            self, ["earn", "redeem", "reverse"]
        )

    def _b2b_get_loyalty_summary(self):
        """One plain dict per card of a customer invoice or credit note, for
        its documents (see ``_b2b_prepare_loyalty_summary_vals``); an empty
        list for other moves and without card."""
        self.ensure_one()
        if not self._b2b_customer_documents():
            return []
        self.check_access("read")
        # sudo: a document the user reads (checked above; on the portal, the
        # document the route checked) shows its own cards and ledger entries,
        # which its customer cannot read.
        move = self.sudo()
        entries = move._b2b_get_summary_entries()
        savings = move._b2b_get_savings_by_card()
        return [
            move._b2b_prepare_loyalty_summary_vals(card, entries, savings)
            for card in move._b2b_get_summary_cards()
        ]

    def _b2b_prepare_loyalty_summary_vals(self, card, entries, savings):
        """What the document says of ``card``: the card and its tier, what its
        discount saves on the lines (``savings``, in ``currency``, the
        document's), and, in the card's currency (``cashback_currency``), the
        cashback the document earned, spent, gave back or took back (its live
        ledger ``entries``) and the balance they left (None without entries)."""
        self.ensure_one()
        vals = card._prepare_summary_vals()
        card_entries = entries.filtered(lambda entry: entry.card_id == card)
        totals = defaultdict(float)
        for entry in card_entries:
            totals[entry.kind] += entry.amount
        round_ = card.currency_id.round
        redeemed = round_(totals["redeem"])
        vals.update(
            currency=self.currency_id,
            savings=savings.get(card, 0.0),
            cashback_currency=card.currency_id,
            cashback_earned=round_(totals["earn"]),
            cashback_spent=max(-redeemed, 0.0),
            cashback_given_back=max(redeemed, 0.0),
            cashback_taken_back=round_(-totals["reverse"]),
            cashback_balance_after=(
                card._get_ledger_totals_until(card_entries)[0] if card_entries else None
            ),
        )
        return vals

    def _b2b_get_savings_by_card(self):
        """``{card: amount}``: what each card's discount (or free reward) saves
        on the document's lines, untaxed, in its currency."""
        self.ensure_one()
        savings = defaultdict(float)
        for line in self.invoice_line_ids:
            card = line._b2b_get_benefit_card()
            if card:
                savings[card] += line._b2b_get_savings()
        return {
            card: self.currency_id.round(amount) for card, amount in savings.items()
        }
