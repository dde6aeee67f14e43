from odoo import models

from .loyalty_b2b_program_benefit import NAME_SEPARATOR


class LoyaltyB2bTransaction(models.Model):
    """A ledger entry as a line of its card's statement."""

    _inherit = "loyalty.b2b.transaction"

    def _get_statement_lines(self, opening_balance, unit):
        """The statement lines of these entries, in their order, from
        ``opening_balance``: ``[{entry, date, description, reference,
        amount_in, amount_out, balance}]``. ``unit``: ``"money"`` counts the
        cashback amounts, ``"stamps"`` the stamps."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        balance = opening_balance
        lines = []
        for entry in self:
            if unit == "money":
                quantity = entry.amount
                balance = entry.currency_id.round(balance + quantity)
            else:
                quantity = entry.stamps
                balance += quantity
            lines.append(
                {
                    "entry": entry,
                    "date": entry.date,
                    "description": entry._get_statement_description(kinds),
                    "reference": entry._get_document_name() or "",
                    "amount_in": max(quantity, 0),
                    "amount_out": max(-quantity, 0),
                    "balance": balance,
                }
            )
        return lines

    def _get_statement_description(self, kinds):
        """Hook: what the statement says of the entry: its kind, and the reason
        of a manual adjustment (the other notes repeat the kind or the document,
        in the language of whoever wrote them)."""
        self.ensure_one()
        kind = kinds.get(self.kind, self.kind)
        if self.kind == "adjust" and self.note:
            return NAME_SEPARATOR.join([kind, self.note])
        return kind
