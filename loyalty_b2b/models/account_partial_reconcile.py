from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        # Unreconciling a payment takes back the cashback of an invoice that had
        # earned it by being paid (trigger "Invoice paid"), and the membership
        # period a fee invoice paid.
        paid_invoices = (
            self.debit_move_id.move_id | self.credit_move_id.move_id
        )._b2b_filter_paid_invoices_to_watch()
        res = super().unlink()
        paid_invoices._b2b_on_unpaid()
        return res
