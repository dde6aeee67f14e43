from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSaleMultiCardTour(HttpCase):
    def test_multi_card_quotation(self):
        company = self.env.ref("base.main_company")
        if not company.b2b_liability_account_id:
            self.skipTest("The main company has no chart of accounts.")
        salesperson = new_test_user(
            self.env,
            login="tour_multi_salesperson",
            groups="sales_team.group_sale_salesman",
        )
        customer = self.env["res.partner"].create(
            {"name": "Tour Multi Dealer", "is_company": True}
        )
        self.env["product.product"].create(
            {
                "name": "Tour Multi Drill",
                "list_price": 1000.0,
                "taxes_id": [Command.clear()],
            }
        )
        reward = self.env["product.product"].create(
            {"name": "Tour Multi Training", "type": "service", "list_price": 500.0}
        )
        Program, Card = self.env["loyalty.b2b.program"], self.env["loyalty.b2b.card"]
        programs = Program.create(
            [
                {
                    "name": "Tour Multi 10%",
                    "program_type": "discount",
                    "discount_percent": 10,
                },
                {
                    "name": "Tour Multi Stamps",
                    "program_type": "stamp",
                    "stamps_required": 2,
                    "stamp_reward_product_id": reward.id,
                },
                {
                    "name": "Tour Multi Cashback",
                    "program_type": "cashback",
                    "tier_ids": [
                        Command.create(
                            {"name": "Base", "min_amount": 0, "cashback_percent": 2}
                        )
                    ],
                },
            ]
        )
        discount, stamp, cashback = Card.create(
            [
                {"name": name, "program_id": program.id, "partner_id": customer.id}
                for name, program in zip(
                    ("MULTI-DISC", "MULTI-STAMP", "MULTI-CASH"), programs, strict=True
                )
            ]
        )
        ledger = self.env["loyalty.b2b.transaction"]
        ledger.sudo().create({"card_id": stamp.id, "kind": "stamp", "stamps": 2})
        ledger._adjust_cashback(cashback, 120.0, "Tour balance")
        self.start_tour("/odoo", "loyalty_b2b_multi_card_tour", login=salesperson.login)
        order = self.env["sale.order"].search([("partner_id", "=", customer.id)])
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.b2b_card_ids, discount | stamp | cashback)
        self.assertEqual(order.order_line[0].discount, 10.0)
        # 2 stamps, +1 for the order, -2 for the reward; 50.00 committed.
        self.assertEqual(stamp.stamp_count, 1)
        self.assertEqual(cashback.cashback_committed, 50.0)
