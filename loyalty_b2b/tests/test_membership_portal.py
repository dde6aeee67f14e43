from odoo import fields
from odoo.tests import tagged
from odoo.tools import format_date

from .test_portal_common import PortalCardsCommon


@tagged("post_install", "-at_install")
class TestMembershipPortal(PortalCardsCommon):
    """The end of a paid membership on the portal's card page, and the
    pending notice before the fee is paid."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fee = cls._create_product(name="Membership", type="service", lst_price=300.0)
        cls.program_paid = cls.Program.create(
            {
                "name": "Members",
                "enrolment": "paid",
                "discount_percent": 5,
                "membership_product_id": fee.id,
            }
        )
        cls.card_paid = cls._create_card(cls.program_paid)

    def test_card_page_shows_the_membership(self):
        url = f"/my/loyalty/{self.card_paid.id}"
        self.authenticate("b2b_director", "b2b_director")
        page = self._page(url)
        self.assertIn("membership fee is paid", self._text(page))
        self.assertFalse(page.xpath("//tr[@name='b2b_valid_until']"))

        self.env["account.payment.register"].with_context(
            active_model="account.move",
            active_ids=self.card_paid.membership_move_ids.ids,
        ).create({"payment_date": fields.Date.today()})._create_payments()
        self.assertEqual(self.card_paid.state, "active")
        page = self._page(url)
        row = page.xpath("//tr[@name='b2b_valid_until']")
        self.assertTrue(row)
        self.assertIn(
            format_date(self.env, self.card_paid.valid_until), self._text(row[0])
        )
