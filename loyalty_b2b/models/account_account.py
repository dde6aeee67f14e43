from odoo import api, models


class AccountAccount(models.Model):
    _inherit = "account.account"

    @api.constrains("account_type", "reconcile", "company_ids")
    def _b2b_check_loyalty_programs(self):
        """The loyalty programs using these accounts must still accept them."""
        programs = self.env["loyalty.b2b.program"]._get_programs_using(
            self, ["rebate_account_id", "liability_account_id", "breakage_account_id"]
        )
        programs._check_accounts_after_change()
