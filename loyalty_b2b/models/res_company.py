from odoo import api, fields, models
from odoo.tools import SQL


class ResCompany(models.Model):
    _inherit = "res.company"

    b2b_loyalty_journal_id = fields.Many2one(
        "account.journal",
        string="Loyalty Journal",
        domain="[('type', '=', 'general'), ('company_id', '=', id)]",
        help="Default miscellaneous journal of the cashback entries of new programs.",
    )
    b2b_rebate_account_id = fields.Many2one(
        "account.account",
        string="Cashback Rebate Account",
        help="Debited when cashback is earned. A contra-revenue 'Sales rebates' "
        "account by default (IFRS 15: consideration payable to a customer); an "
        "expense account if the company's policy says so.",
    )
    b2b_liability_account_id = fields.Many2one(
        "account.account",
        string="Cashback Liability Account",
        help="Current, reconcilable liability that holds the cashback owed to "
        "customers.",
    )
    b2b_breakage_account_id = fields.Many2one(
        "account.account",
        string="Cashback Breakage Account",
        help="Income account credited when earned cashback expires unused.",
    )
    b2b_cashback_trigger = fields.Selection(
        [("posted", "Invoice posted"), ("paid", "Invoice paid")],
        string="Cashback Earned When",
        default="posted",
        required=True,
    )

    def _b2b_get_program_companies(self):
        """Companies whose loyalty programs apply to the documents of ``self``:
        each company and those it is a branch of. Like Odoo 18 shares a parent
        company's chart of accounts and ``sale_loyalty`` its programs with the
        branches, a program of a company runs in its branches: their orders use
        its cards, their invoices earn its cashback and count for its tiers."""
        return self.parent_ids

    def _b2b_get_document_companies(self):
        """Companies whose documents count in the programs of ``self``: each
        company and its branches (the converse of
        ``_b2b_get_program_companies``)."""
        return self.sudo().search([("id", "child_of", self.ids)]).sudo(False)

    def _b2b_get_document_companies_sql(self):
        """``_b2b_get_document_companies`` of this company as an SQL subquery of
        their ids: set-based queries (the tier spend) count a company's
        branches without a query of their own."""
        self.ensure_one()
        return SQL(
            "(SELECT id FROM res_company WHERE parent_path LIKE %s)",
            f"{self.parent_path}%",
        )

    def _b2b_setup_loyalty_accounting(self):
        """Give companies with a chart of accounts the default cashback accounts
        and a "Loyalty" journal, keeping whatever is set already."""
        for company in self.filtered("chart_template"):
            company = company.with_company(company)
            vals = {}
            for fname, name, account_type, reconcile in (
                (
                    "b2b_liability_account_id",
                    self.env._("Cashback payable"),
                    "liability_current",
                    True,
                ),
                (
                    "b2b_rebate_account_id",
                    self.env._("Sales rebates (cashback)"),
                    "income",
                    False,
                ),
                (
                    "b2b_breakage_account_id",
                    self.env._("Cashback breakage"),
                    "income_other",
                    False,
                ),
            ):
                if not company[fname]:
                    vals[fname] = company._b2b_create_account(
                        name, account_type, reconcile
                    ).id
            if not company.b2b_loyalty_journal_id:
                vals["b2b_loyalty_journal_id"] = (
                    self.env["account.journal"]
                    .create(
                        {
                            "name": self.env._("Loyalty"),
                            "code": "LOYB",
                            "type": "general",
                            "company_id": company.id,
                        }
                    )
                    .id
                )
            if vals:
                company.write(vals)

    def _b2b_create_account(self, name, account_type, reconcile):
        self.ensure_one()
        account_model = self.env["account.account"].with_company(self)
        sibling = account_model.search(
            [
                *account_model._check_company_domain(self),
                ("account_type", "=", account_type),
            ],
            order="code desc",
            limit=1,
        )
        code = account_model._search_new_account_code(sibling.code or "2190")
        return account_model.create(
            {
                "name": name,
                "code": code,
                "account_type": account_type,
                "reconcile": reconcile,
                "company_ids": [self.id],
            }
        )

    @api.constrains(
        "b2b_loyalty_journal_id",
        "b2b_rebate_account_id",
        "b2b_liability_account_id",
        "b2b_breakage_account_id",
    )
    def _check_b2b_loyalty_accounting(self):
        program_model = self.env["loyalty.b2b.program"]
        for company in self:
            program_model._check_accounting_types(
                company,
                company.b2b_loyalty_journal_id,
                company.b2b_rebate_account_id,
                company.b2b_liability_account_id,
                company.b2b_breakage_account_id,
            )
