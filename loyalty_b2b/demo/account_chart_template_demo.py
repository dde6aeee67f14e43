from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models


class AccountChartTemplate(models.AbstractModel):
    """Demo cashback program and card, once a company has a chart of accounts:
    like Odoo's own accounting demo data, they wait for the chart."""

    _inherit = "account.chart.template"

    def _post_load_demo_data(self, company=False):
        res = super()._post_load_demo_data(company)
        self._b2b_load_cashback_demo(company or self.env.company)
        self._b2b_load_history_demo(company or self.env.company)
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
                    "card_background_color": "#14532D",
                    "card_text_color": "#FFFFFF",
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

    @api.model
    def _b2b_load_history_demo(self, company):
        """A year of sales to the demo customers, so that a newcomer sees the
        cards at work: Northwind's cashback earned, spent and partly expired
        beside its 10 % card (a company holding several cards), Baltic Tools at
        Platinum with a stamp reward ready, Carpathian Builders at 4 of 5
        stamps, and a quotation for each."""
        if isinstance(company, int):
            company = self.env["res.company"].browse(company)
        ref = self.env.ref
        drill = ref("loyalty_b2b.product_drill_demo", False)
        customers = [
            ref(f"loyalty_b2b.res_partner_{name}_demo", False)
            for name in ("northwind", "baltic", "carpathian")
        ]
        cashback_program = ref("loyalty_b2b.program_cashback_demo", False)
        if (
            not company.chart_template
            or not drill
            or not cashback_program
            or not all(customers)
            or ref("loyalty_b2b.sale_order_northwind_quotation_demo", False)
        ):
            return
        northwind, baltic, carpathian = customers
        cashback_program.cashback_validity_months = 12
        orders = self.env["sale.order"].with_company(company)
        today = fields.Date.context_today(self)

        def order(partner, quantity, months_ago=0, cashback=0.0):
            quotation = orders.create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "date_order": today - relativedelta(months=months_ago),
                    "order_line": [
                        Command.create(
                            {"product_id": drill.id, "product_uom_qty": quantity}
                        )
                    ],
                }
            )
            if cashback:
                quotation.b2b_apply_cashback(cashback)
            return quotation

        def sell(partner, quantity, months_ago, cashback=0.0):
            sale = order(partner, quantity, months_ago, cashback)
            sale.action_confirm()
            invoice = sale._create_invoices()
            invoice.invoice_date = today - relativedelta(months=months_ago)
            invoice.action_post()

        # Northwind: 2 % cashback on every invoice; 150.00 spent last month.
        for months_ago, quantity in ((14, 20), (10, 12), (7, 8), (4, 16), (2, 10)):
            sell(northwind, quantity, months_ago)
        sell(northwind, 6, 1, cashback=150.0)
        # Cashback earned 14 months ago and not spent expires (12 months).
        ledger = self.env["loyalty.b2b.transaction"]
        ledger._expire_cashback(ledger._get_cashback_to_expire(today), today)
        # Baltic Tools: five orders reach Platinum and the stamp reward.
        for months_ago in (11, 9, 6, 3, 1):
            sell(baltic, 26, months_ago)
        # Carpathian Builders: four stamps of five.
        for months_ago in (8, 5, 3, 1):
            sell(carpathian, 3, months_ago)
        quotations = [
            ("northwind", order(northwind, 10)),
            ("baltic", order(baltic, 8)),
            ("carpathian", order(carpathian, 2)),
        ]
        self.env["ir.model.data"]._update_xmlids(
            [
                {
                    "xml_id": f"loyalty_b2b.sale_order_{name}_quotation_demo",
                    "record": quotation,
                    "noupdate": True,
                }
                for name, quotation in quotations
            ]
        )
