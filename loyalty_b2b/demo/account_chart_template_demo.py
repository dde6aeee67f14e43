from odoo import Command, api, models


class AccountChartTemplate(models.AbstractModel):
    """Demo cashback program and card, once a company has a chart of accounts:
    like Odoo's own accounting demo data, they wait for the chart."""

    _inherit = "account.chart.template"

    def _post_load_demo_data(self, company=False):
        res = super()._post_load_demo_data(company)
        self._b2b_load_cashback_demo(company or self.env.company)
        return res

    @api.model
    def _b2b_load_cashback_demo(self, company):
        """Demo cashback program and card, once the company has a chart of accounts.

        Like Odoo's own accounting demo data, this waits for the chart: a cashback
        program cannot exist without its accounts.
        """
        if isinstance(company, int):
            company = self.env["res.company"].browse(company)
        partner = self.env.ref("loyalty_b2b.res_partner_northwind_demo", False)
        if (
            not company.chart_template
            or not partner
            or self.env.ref("loyalty_b2b.program_cashback_demo", False)
        ):
            return
        company._b2b_setup_loyalty_accounting()
        program = (
            self.env["loyalty.b2b.program"]
            .with_company(company)
            .create(
                {
                    "name": self.env._("Partner Cashback"),
                    "program_type": "cashback",
                    "company_id": company.id,
                    "color": 10,
                    "tier_ids": [
                        Command.create(
                            {
                                "name": self.env._("Base"),
                                "min_amount": 0,
                                "cashback_percent": 2,
                            }
                        ),
                        Command.create(
                            {
                                "name": self.env._("Plus"),
                                "min_amount": 25000,
                                "cashback_percent": 3,
                            }
                        ),
                    ],
                }
            )
        )
        card = self.env["loyalty.b2b.card"].create(
            {"program_id": program.id, "partner_id": partner.id}
        )
        self.env["ir.model.data"]._update_xmlids(
            [
                {
                    "xml_id": "loyalty_b2b.program_cashback_demo",
                    "record": program,
                    "noupdate": True,
                },
                {
                    "xml_id": "loyalty_b2b.card_cashback_northwind_demo",
                    "record": card,
                    "noupdate": True,
                },
            ]
        )
