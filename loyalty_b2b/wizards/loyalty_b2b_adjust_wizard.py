from odoo import api, fields, models
from odoo.exceptions import AccessError


class LoyaltyB2bAdjustWizard(models.TransientModel):
    _name = "loyalty.b2b.adjust.wizard"
    _description = "Manual Cashback Adjustment"
    _check_company_auto = True

    card_id = fields.Many2one(
        "loyalty.b2b.card",
        required=True,
        check_company=True,
        domain="[('program_type', '=', 'cashback')]",
    )
    company_id = fields.Many2one(related="card_id.company_id")
    currency_id = fields.Many2one(related="card_id.currency_id")
    cashback_balance = fields.Monetary(related="card_id.cashback_balance")
    amount = fields.Monetary(
        required=True,
        help="Positive: the customer gets cashback. Negative: cashback is taken back.",
    )
    reason = fields.Char(required=True)
    date = fields.Date(
        string="Accounting Date", required=True, default=fields.Date.context_today
    )
    account_id = fields.Many2one(
        "account.account",
        string="Counterpart Account",
        compute="_compute_account_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        check_company=True,
        domain="[('account_type', 'in', ('income', 'income_other', 'expense', "
        "'expense_direct_cost'))]",
        help="Booked against the program's cashback liability account: the "
        "program's rebate account by default.",
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if (
            "card_id" in fields_list
            and not res.get("card_id")
            and self.env.context.get("active_model") == "loyalty.b2b.card"
        ):
            res["card_id"] = self.env.context.get("active_id")
        return res

    @api.depends("card_id")
    def _compute_account_id(self):
        for wizard in self:
            wizard.account_id = wizard.card_id.program_id.rebate_account_id

    @api.constrains("card_id", "account_id")
    def _check_account_id(self):
        # Refused as soon as it is chosen, not only when the entry is posted.
        ledger = self.env["loyalty.b2b.transaction"]
        for wizard in self:
            ledger._check_adjustment_account(wizard.card_id, wizard.account_id)

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group("loyalty_b2b.group_loyalty_b2b_manager"):
            raise AccessError(
                self.env._("Only loyalty administrators adjust cashback balances.")
            )
        self.env["loyalty.b2b.transaction"]._adjust_cashback(
            self.card_id, self.amount, self.reason, self.date, self.account_id
        )
        return {"type": "ir.actions.act_window_close"}
