from odoo import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCashbackTour(HttpCase):
    def test_accountant_screens(self):
        company = self.env.ref("base.main_company")
        if not company.b2b_liability_account_id:
            self.skipTest("The main company has no chart of accounts.")
        customer = self.env["res.partner"].create(
            {"name": "Tour Cashback Customer", "is_company": True}
        )
        program = self.env["loyalty.b2b.program"].create(
            {
                "name": "Tour Cashback",
                "program_type": "cashback",
                "company_id": company.id,
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 2}
                    )
                ],
            }
        )
        card = self.env["loyalty.b2b.card"].create(
            {"program_id": program.id, "partner_id": customer.id}
        )
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": "2019-01-15",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Tour service",
                                "quantity": 1,
                                "price_unit": 1000.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        self.assertEqual(card.cashback_balance, 20.0)
        self.start_tour("/odoo", "loyalty_b2b_accounting_tour", login="admin")
        self.assertEqual(card.cashback_balance, 25.0)
        self.assertEqual(
            card.transaction_ids.filtered(lambda e: e.kind == "adjust").note,
            "Goodwill",
        )
