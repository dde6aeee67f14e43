from odoo import models

# Customer documents: what the program analysis sums.
ANALYSIS_MOVE_TYPES = ("out_invoice", "out_refund")


class AccountMove(models.Model):
    """Keep the program analysis true to the documents: a posted customer
    document of a month already in the analysis snapshot that is reset to
    draft, cancelled or re-dated reopens that month (the analysis reads it
    live again until the next refresh). Its new state and date are seen by the
    nightly refresh; its old month would not be, once it was re-dated or
    deleted."""

    _inherit = "account.move"

    def write(self, vals):
        if vals.get("state", "posted") != "posted" or "invoice_date" in vals:
            self._b2b_reopen_analysis_months()
        return super().write(vals)

    def _b2b_reopen_analysis_months(self):
        documents = self.filtered(
            lambda move: (
                move.state == "posted"
                and move.move_type in ANALYSIS_MOVE_TYPES
                and move.invoice_date
            )
        )
        if documents:
            self.env["loyalty.b2b.analysis.month"]._reopen_month(
                min(documents.mapped("invoice_date"))
            )
