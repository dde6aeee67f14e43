from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft)
        posted._b2b_on_posted()
        return posted

    def button_draft(self):
        # button_cancel reaches this too for posted moves.
        was_posted = self.filtered(lambda move: move.state == "posted")
        res = super().button_draft()
        was_posted._b2b_on_unposted()
        return res

    def _b2b_customer_documents(self):
        """Customer invoices and credit notes: the moves loyalty reacts to."""
        return self.filtered(lambda move: move.is_sale_document(include_receipts=False))

    def _b2b_on_posted(self):
        """Hook: ``self`` was just posted."""
        self._b2b_customer_documents()._b2b_refresh_card_tiers()

    def _b2b_on_unposted(self):
        """Hook: ``self`` left the posted state (reset to draft or cancelled)."""
        self._b2b_customer_documents()._b2b_refresh_card_tiers()

    def _b2b_refresh_card_tiers(self):
        """Recompute spend and tier of the cards of these documents' companies."""
        return
