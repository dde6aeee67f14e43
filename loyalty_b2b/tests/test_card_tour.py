import base64

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.misc import file_open


@tagged("post_install", "-at_install")
class TestCardTour(HttpCase):
    def test_card_screens(self):
        salesperson = new_test_user(
            self.env,
            login="tour_card_salesperson",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        customer = self.env["res.partner"].create(
            {"name": "Tour Card Customer", "is_company": True}
        )
        Program = self.env["loyalty.b2b.program"]
        volume = Program.create(
            {
                "name": "Tour Volume",
                "program_type": "accumulative",
                "tier_ids": [
                    Command.create(
                        {"name": "Silver", "min_amount": 0, "discount_percent": 3}
                    ),
                    Command.create(
                        {"name": "Gold", "min_amount": 10000, "discount_percent": 7}
                    ),
                ],
            }
        )
        with file_open("loyalty_b2b/static/description/icon.png", "rb") as icon:
            logo = base64.b64encode(icon.read())
        with_logo = Program.create(
            {
                "name": "Tour Logo",
                "program_type": "discount",
                "discount_percent": 10,
                "logo": logo,
            }
        )
        cards = self.env["loyalty.b2b.card"].create(
            [
                {"program_id": program.id, "partner_id": customer.id}
                for program in (volume, with_logo)
            ]
        )
        self.assertEqual(cards[0].tier_id.name, "Silver")
        self.start_tour("/odoo", "loyalty_b2b_card_tour", login=salesperson.login)
