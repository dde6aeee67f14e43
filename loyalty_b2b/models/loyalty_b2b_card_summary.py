from odoo import models


class LoyaltyB2bCard(models.Model):
    """What a card says of itself on the documents it benefits (printed
    quotations and invoices, portal pages)."""

    _inherit = "loyalty.b2b.card"

    def _get_next_tier_text(self):
        """Hook: one sentence on the card's next tier (what it needs, what it
        gives) for the customer's documents, or False to say nothing."""
        self.ensure_one()
        return self.next_tier_message or False

    def _prepare_summary_vals(self):
        """The card's own part of a document's loyalty summary."""
        self.ensure_one()
        return {
            "card_id": self.id,
            "card_name": self.name,
            "program_name": self.program_id.name,
            "program_type": self.program_type,
            "tier_name": self.tier_id.name or False,
            "card_currency": self.currency_id,
            "next_tier_text": self._get_next_tier_text(),
        }

    def _get_ledger_totals_until(self, entries):
        """``(cashback, stamps)`` of this card once the ledger entries
        ``entries`` were written: the entries up to the last of them, in the
        ledger's order of writing (later movements do not change what a
        document printed later says it left)."""
        self.ensure_one()
        # sudo: the totals of a card the user reads, as _get_ledger_totals.
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        [(amount, stamps)] = ledger._read_group(
            [("card_id", "=", self.id), ("id", "<=", max(entries.ids))],
            aggregates=["amount:sum", "stamps:sum"],
        )
        return self.currency_id.round(amount), stamps
