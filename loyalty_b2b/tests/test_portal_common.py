from lxml import html

from odoo import Command
from odoo.tests import HttpCase, new_test_user

from .common import LoyaltyB2bCommon


class PortalCardsCommon(LoyaltyB2bCommon, HttpCase):
    """A customer company whose contacts have each loyalty role and a portal
    account, with a cashback, a stamp and a tiered discount card; a second
    customer with its own portal user and card."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card_cashback = cls._create_card(cls.program_cashback)
        cls.card_stamp = cls._create_card(cls.program_stamp)
        cls.card_volume = cls._create_card(cls.program_accumulative)
        cls.card_volume._recompute_tiers()
        cls.other_card = cls._create_card(cls.program_cashback, cls.other_customer)
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.contact.id,
                "invoice_line_ids": [
                    Command.create({"product_id": cls.product_drill.id, "quantity": 2})
                ],
            }
        )
        cls.invoice.action_post()
        cls._add_ledger(cls.card_cashback, amount=15.0)
        cls._add_ledger(cls.card_stamp, stamps=2, kind="stamp")
        cls._add_ledger(cls.other_card, amount=99.0)

        cls.director = cls._create_contact("Dora Director", "decision_maker")
        cls.accountant = cls._create_contact("Arno Accountant", "accountant")
        cls.buyer = cls._create_contact("Pia Procurement", "procurement")
        cls.clerk = cls._create_contact("Carl Clerk", "other")
        cls.outsider = cls.env["res.partner"].create(
            {
                "name": "Gil Outsider",
                "parent_id": cls.other_customer.id,
                "b2b_loyalty_role": "decision_maker",
            }
        )
        for login, partner in (
            ("b2b_director", cls.director),
            ("b2b_accountant", cls.accountant),
            ("b2b_buyer", cls.buyer),
            ("b2b_clerk", cls.clerk),
            ("b2b_company", cls.customer),
            ("b2b_outsider", cls.outsider),
        ):
            new_test_user(
                cls.env,
                login=login,
                groups="base.group_portal",
                partner_id=partner.id,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
        # The invoice is the director's: it follows it on the portal.
        cls.invoice.message_subscribe(cls.director.ids)

    @classmethod
    def _create_contact(cls, name, role):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "parent_id": cls.customer.id,
                "email": f"{name.split()[0].lower()}@acme.example.com",
                "b2b_loyalty_role": role,
            }
        )

    def _get(self, url, status=200):
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(
            response.status_code, status, f"{url}\n{response.text[-1500:]}"
        )
        return response

    def _page(self, url):
        return html.fromstring(self._get(url).content)

    @staticmethod
    def _text(element):
        return " ".join(element.text_content().split())
