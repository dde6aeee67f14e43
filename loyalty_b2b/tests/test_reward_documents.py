import base64

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_portal_common import PortalCardsCommon

REPORT_BYTES = b"Market report 2027: professional tools grow 4 %\n"


@tagged("post_install", "-at_install")
class TestInformationRewardDocuments(PortalCardsCommon):
    """An information reward's documents open, on the card's portal page, to
    the contact given the reward once its request is fulfilled, and to nobody
    else: not before, not to the company's other contacts, not to another
    company, not by tier."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_report = cls._create_product(
            name="Market report", type="service", lst_price=60.0
        )
        cls._add_ledger(cls.card_stamp, stamps=4, kind="stamp")
        cls.reward = cls.env["loyalty.b2b.reward"].create(
            {
                "name": "Market report",
                "program_id": cls.program_stamp.id,
                "reward_type": "information",
                "product_id": cls.product_report.id,
                "cost_stamps": 2,
            }
        )
        cls.document = cls.env["loyalty.b2b.document"].create(
            {
                "name": "Market report 2027",
                "program_id": cls.program_stamp.id,
                "reward_id": cls.reward.id,
                "datas": base64.b64encode(REPORT_BYTES),
                "file_name": "market-report.txt",
            }
        )
        cls.request = cls.env["loyalty.b2b.reward.request"].create(
            {
                "reward_id": cls.reward.id,
                "card_id": cls.card_stamp.id,
                "contact_id": cls.buyer.id,
            }
        )
        cls.url = f"/my/loyalty/{cls.card_stamp.id}/document/{cls.document.id}"

    def _fulfil(self):
        self.request.action_approve()
        action = self.request.action_fulfil()
        order = self.env["sale.order"].browse(action["res_id"])
        order.action_confirm()
        self.assertEqual(self.request.state, "fulfilled")
        # 6 stamps, 2 spent on the report.
        self.assertEqual(self.card_stamp.stamp_count, 4)

    def _listed(self):
        page = self._page(f"/my/loyalty/{self.card_stamp.id}")
        return [
            self._text(link)
            for link in page.xpath("//a[hasclass('o_b2b_document_download')]")
        ]

    def test_closed_until_fulfilled(self):
        self.authenticate("b2b_buyer", "b2b_buyer")
        self.assertEqual(self._listed(), [])
        self._get(self.url, 404)
        self.request.action_approve()
        self._get(self.url, 404)
        # The reservation moves no balance: the card's ledger does not list it.
        self.authenticate("b2b_director", "b2b_director")
        page = self._text(self._page(f"/my/loyalty/{self.card_stamp.id}"))
        self.assertIn("Stamp", page)
        self.assertNotIn("Reward reserved", page)

    def test_opens_to_the_contact_given_the_reward(self):
        self._fulfil()
        self.authenticate("b2b_buyer", "b2b_buyer")
        self.assertEqual(self._listed(), ["Market report 2027"])
        response = self._get(self.url)
        self.assertEqual(response.content, REPORT_BYTES)
        self.assertIn("market-report.txt", response.headers["Content-Disposition"])
        # The company's other contacts, the director included, were not given it.
        for login in ("b2b_director", "b2b_clerk", "b2b_company"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertEqual(self._listed(), [])
                self._get(self.url, 404)
        # Another company, with the card's id or its own: 404.
        self.authenticate("b2b_outsider", "b2b_outsider")
        self._get(self.url, 404)
        self._get(f"/my/loyalty/{self.other_card.id}/document/{self.document.id}", 404)

    def test_request_for_the_company_opens_to_its_contacts(self):
        self.request.contact_id = False
        self._fulfil()
        for login in ("b2b_director", "b2b_clerk"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self._get(self.url)
        self.authenticate("b2b_outsider", "b2b_outsider")
        self._get(self.url, 404)

    def test_cancelled_order_closes_it_again(self):
        self._fulfil()
        self.request.sale_order_id._action_cancel()
        self.assertEqual(self.request.state, "approved")
        self.authenticate("b2b_buyer", "b2b_buyer")
        self._get(self.url, 404)

    def test_reward_documents_are_not_tier_documents(self):
        with self.assertRaisesRegex(ValidationError, "reserved to no tier"):
            self.document.tier_ids = [
                Command.set(self.program_accumulative.tier_ids[:1].ids)
            ]
        self.assertNotIn(self.document, self.program_stamp.document_ids)
        self.assertEqual(self.reward.document_ids, self.document)
