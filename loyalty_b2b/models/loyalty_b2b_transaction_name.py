from odoo import api, models

from .loyalty_b2b_program_benefit import NAME_SEPARATOR


class LoyaltyB2bTransaction(models.Model):
    """A ledger entry is named after its card, its kind and its document:
    "B2B-000001 · Cashback earned · INV/2026/00001"."""

    _inherit = "loyalty.b2b.transaction"

    @api.depends(
        "card_id.name",
        "kind",
        "invoice_id.name",
        "sale_order_id.name",
        "move_id.name",
    )
    @api.depends_context("lang")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        # sudo: the entries are those the user reads; their card's number and
        # the name of their document show as a many2one shows them, also when
        # the invoice or order is another salesperson's. Prefetched for the
        # whole batch: no query per entry.
        for entry, entry_sudo in zip(self, self.sudo(), strict=True):
            entry.display_name = NAME_SEPARATOR.join(
                filter(
                    None,
                    [
                        entry_sudo.card_id.name,
                        kinds.get(entry.kind),
                        entry_sudo._get_document_name(),
                    ],
                )
            )

    def _get_document(self):
        """Hook: the document the entry belongs to: its invoice (or credit
        note), else its sales order, else its journal entry."""
        self.ensure_one()
        return self.invoice_id or self.sale_order_id or self.move_id

    def _get_document_name(self):
        """The document's number, as its many2one field shows it (a journal
        entry without the reference its own name appends)."""
        self.ensure_one()
        document = self._get_document()
        if not document:
            return False
        if document._name == "account.move":
            return document._get_move_display_name()
        return document.display_name
