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

    def _b2b_get_loyalty_account_specs(self):
        """``[(field, xmlid suffix, English name, type, reconcile)]`` of the
        default cashback accounts. Hook."""
        # The names in English: translations are added per language.
        _ = self.with_context(lang="en_US").env._
        return [
            (
                "b2b_liability_account_id",
                "b2b_cashback_payable",
                _("Cashback payable"),
                "liability_current",
                True,
            ),
            (
                "b2b_rebate_account_id",
                "b2b_sales_rebates",
                _("Sales rebates (cashback)"),
                "income",
                False,
            ),
            (
                "b2b_breakage_account_id",
                "b2b_cashback_breakage",
                _("Cashback breakage"),
                "income_other",
                False,
            ),
        ]

    def _b2b_setup_loyalty_accounting(self):
        """Give companies with a chart of accounts the default cashback accounts
        and a "Loyalty" journal, keeping whatever is set already. They are named
        in every installed language, and get an external id (``loyalty_b2b.<company
        id>_b2b_...``) so that a language installed later translates them, as
        Odoo does for the chart's own accounts and journals."""
        for company in self.filtered("chart_template"):
            company = company.with_company(company)
            vals, created = {}, []
            for (
                fname,
                suffix,
                name,
                account_type,
                reconcile,
            ) in company._b2b_get_loyalty_account_specs():
                if not company[fname]:
                    account = company._b2b_create_account(name, account_type, reconcile)
                    vals[fname] = account.id
                    created.append((account, suffix))
            if not company.b2b_loyalty_journal_id:
                journal = (
                    self.env["account.journal"]
                    .with_context(lang="en_US")
                    .create(
                        {
                            "name": self.with_context(lang="en_US").env._("Loyalty"),
                            "code": "LOYB",
                            "type": "general",
                            "company_id": company.id,
                        }
                    )
                )
                vals["b2b_loyalty_journal_id"] = journal.id
                created.append((journal, "b2b_loyalty_journal"))
            if vals:
                company.write(vals)
                company._b2b_name_created_records(created)

    def _b2b_name_created_records(self, records_and_suffixes):
        """External ids and names in the installed languages of the accounts and
        journal just created for this company."""
        self.ensure_one()
        self.env["ir.model.data"]._update_xmlids(
            [
                {
                    "xml_id": f"loyalty_b2b.{self.id}_{suffix}",
                    "record": record,
                    "noupdate": True,
                }
                for record, suffix in records_and_suffixes
            ]
        )
        langs = [
            code
            for code, _name in self.env["res.lang"].get_installed()
            if code != "en_US"
        ]
        for record, _suffix in records_and_suffixes:
            source = record.with_context(lang="en_US").name
            for lang in langs:
                translated = self.with_context(lang=lang).env._(source)
                if translated != source:
                    record.with_context(lang=lang).name = translated

    def _b2b_create_account(self, name, account_type, reconcile):
        self.ensure_one()
        # Named in English; see _b2b_name_created_records for the translations.
        account_model = (
            self.env["account.account"].with_company(self).with_context(lang="en_US")
        )
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
