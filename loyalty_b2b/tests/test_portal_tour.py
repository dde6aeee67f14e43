from odoo.tests import tagged

from .test_portal_common import PortalCardsCommon


@tagged("post_install", "-at_install")
class TestPortalTour(PortalCardsCommon):
    def test_director_follows_the_card_to_the_invoice(self):
        # The tour reads the balance: 40.00 earned on the invoice, 15.00 given.
        self.assertEqual(self.card_cashback.cashback_balance, 55.0)
        self.start_tour("/my", "loyalty_b2b_portal_tour", login="b2b_director")
