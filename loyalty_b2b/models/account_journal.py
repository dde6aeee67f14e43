from odoo import api, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    @api.constrains("type", "company_id")
    def _b2b_check_loyalty_programs(self):
        """The loyalty programs using these journals must still accept them."""
        programs = self.env["loyalty.b2b.program"]._get_programs_using(
            self, ["journal_id"]
        )
        programs._check_accounts_after_change()
