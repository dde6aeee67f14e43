from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSaleTour(HttpCase):
    def test_quotation_screen(self):
        salesperson = new_test_user(
            self.env,
            login="tour_salesperson",
            groups="sales_team.group_sale_salesman",
        )
        customer = self.env["res.partner"].create(
            {"name": "Tour Dealer", "is_company": True}
        )
        self.env["product.product"].create(
            {"name": "Tour Drill", "list_price": 1000.0, "taxes_id": [Command.clear()]}
        )
        program = self.env["loyalty.b2b.program"].create(
            {"name": "Tour 10%", "program_type": "discount", "discount_percent": 10}
        )
        card = self.env["loyalty.b2b.card"].create(
            {"name": "TOUR-CARD", "program_id": program.id, "partner_id": customer.id}
        )
        self.start_tour("/odoo", "loyalty_b2b_sale_tour", login=salesperson.login)
        order = self.env["sale.order"].search([("partner_id", "=", customer.id)])
        self.assertEqual(order.b2b_card_id, card)
        self.assertEqual(order.order_line.discount, 10.0)
        self.assertEqual(order.amount_untaxed, 900.0)
