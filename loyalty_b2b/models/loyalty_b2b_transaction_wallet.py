from odoo import api, models


class LoyaltyB2bTransaction(models.Model):
    _inherit = "loyalty.b2b.transaction"

    @api.model_create_multi
    def create(self, vals_list):
        # The card row is not written (see loyalty.b2b.card's wallet fields):
        # its pass's modification time reads the ledger.
        entries = super().create(vals_list)
        entries.card_id._b2b_wallet_changed()
        return entries
