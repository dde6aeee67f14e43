from odoo import api, models


class AccountAccount(models.Model):
    _inherit = "account.account"

    @api.constrains("account_type", "reconcile", "company_ids")
    def _b2b_check_loyalty_programs(self):
        """The loyalty programs using these accounts must still accept them."""
        # sudo and archived programs included: the rule holds for every program
        # that uses the accounts, in every company, whoever changes them; the
        # domain is these accounts.
        programs = (
            self.env["loyalty.b2b.program"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    "|",
                    "|",
                    ("rebate_account_id", "in", self.ids),
                    ("liability_account_id", "in", self.ids),
                    ("breakage_account_id", "in", self.ids),
                ]
            )
        )
        programs._check_b2b_program_accounts()
