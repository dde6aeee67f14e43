from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRewardTour(HttpCase):
    def test_training_requested_on_the_portal_fulfilled_in_sales(self):
        salesperson = new_test_user(
            self.env,
            login="tour_reward_salesperson",
            groups="sales_team.group_sale_salesman,loyalty_b2b.group_loyalty_b2b_user",
        )
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Reward Dealer",
                "is_company": True,
                "user_id": salesperson.id,
            }
        )
        director = self.env["res.partner"].create(
            {
                "name": "Tour Reward Director",
                "parent_id": customer.id,
                "email": "director@tour-reward.example.com",
                "b2b_loyalty_role": "decision_maker",
            }
        )
        new_test_user(
            self.env,
            login="tour_reward_director",
            groups="base.group_portal",
            partner_id=director.id,
        )
        Product = self.env["product.product"]
        bag = Product.create({"name": "Tool bag", "type": "consu"})
        training = Product.create({"name": "Product training", "type": "service"})
        program = self.env["loyalty.b2b.program"].create(
            {
                "name": "Tour Stamps",
                "program_type": "stamp",
                "stamps_required": 10,
                "stamp_min_amount": 500,
                "stamp_reward_product_id": bag.id,
            }
        )
        reward = self.env["loyalty.b2b.reward"].create(
            {
                "name": "Product training",
                "program_id": program.id,
                "product_id": training.id,
                "reward_type": "service",
                "cost_stamps": 5,
                "contact_role": "procurement",
            }
        )
        card = self.env["loyalty.b2b.card"].create(
            {"program_id": program.id, "partner_id": customer.id}
        )
        self.env["loyalty.b2b.transaction"].sudo().create(
            {"card_id": card.id, "kind": "stamp", "stamps": 6}
        )
        self.assertEqual(card.stamps_available, 6)

        self.start_tour(
            "/my/loyalty",
            "loyalty_b2b_reward_portal_tour",
            login="tour_reward_director",
        )
        reward_request = self.env["loyalty.b2b.reward.request"].search(
            [("card_id", "=", card.id)]
        )
        self.assertRecordValues(
            reward_request,
            [
                {
                    "reward_id": reward.id,
                    "contact_id": director.id,
                    "state": "requested",
                    "cost_stamps": 5,
                    "note": "March session please",
                    "user_id": salesperson.id,
                }
            ],
        )

        self.start_tour(
            "/odoo", "loyalty_b2b_reward_backend_tour", login=salesperson.login
        )
        self.assertEqual(reward_request.state, "approved")
        # Five of the six stamps held for the training, until the quotation
        # delivering it is confirmed.
        self.assertEqual(card.stamps_reserved, 5)
        self.assertEqual(card.stamps_available, 1)
        order = reward_request.sale_order_id
        # To the contact given the reward, on the company's account.
        self.assertEqual(order.partner_id, director)
        self.assertEqual(order.partner_id.commercial_partner_id, customer)
        self.assertEqual(order.state, "draft")
        line = order.order_line.filtered(lambda line: line.product_id == training)
        self.assertEqual(len(line), 1)
        self.assertEqual(line.discount, 100.0)
