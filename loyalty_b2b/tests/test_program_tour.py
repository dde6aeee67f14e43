from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestProgramTour(HttpCase):
    def test_program_and_card_screens(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Customer", "is_company": True}
        )
        self.start_tour("/odoo", "loyalty_b2b_program_tour", login="admin")
        program = self.env["loyalty.b2b.program"].search([("name", "=", "Tour Volume")])
        self.assertEqual(program.program_type, "accumulative")
        self.assertEqual(program.tier_ids.mapped("discount_percent"), [5.0])
        self.assertEqual(program.card_ids.partner_id, customer)
        self.assertEqual(program.card_ids.discount_percent, 5.0)
        self.assertEqual(program.card_ids.tier_id.name, "Gold")
