from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestCardNumberSearch(LoyaltyB2bCommon):
    """A salesperson scans or types a card number in the customer field: the
    company holding the card comes up, if the salesperson may see the card."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls._create_card(cls.program_discount)
        cls.other_company = cls.env["res.company"].create({"name": "Far Away Ltd"})
        program_far = cls.Program.create(
            {
                "name": "Far discount",
                "discount_percent": 5,
                "company_id": cls.other_company.id,
            }
        )
        cls.far_card = cls.Card.create(
            {"program_id": program_far.id, "partner_id": cls.other_customer.id}
        )
        # Card numbers are unique per company: make sure this one is not the
        # number of a card of the user's company too.
        cls.far_card.name = "FAR-000001"
        cls.salesman = new_test_user(
            cls.env,
            login="b2b_card_search_salesman",
            groups="sales_team.group_sale_salesman,loyalty_b2b.group_loyalty_b2b_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_without_cards = new_test_user(
            cls.env,
            login="b2b_card_search_plain",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _found(self, value, user=None, operator="ilike"):
        Partner = self.env["res.partner"].with_user(user or self.salesman)
        return {
            partner_id
            for partner_id, _name in Partner.name_search(
                value, operator=operator, limit=None
            )
        }

    def test_card_number_finds_the_company(self):
        for typed in (
            self.card.name,
            self.card.name.lower(),
            f"  {self.card.name} ",
        ):
            with self.subTest(typed=typed):
                self.assertEqual(self._found(typed), {self.customer.id})
        self.assertEqual(self._found(self.card.name, operator="="), {self.customer.id})

    def test_only_whole_numbers(self):
        self.assertNotIn(self.customer.id, self._found(self.card.name[:-1]))
        # LIKE wildcards are taken literally, not as "any card".
        self.assertNotIn(self.customer.id, self._found(f"{self.card.name[:4]}%"))

    def test_name_search_still_works(self):
        self.assertIn(self.customer.id, self._found("Acme"))
        # Negative searches are left as they are.
        excluded = (
            self.env["res.partner"]
            .with_user(self.salesman)
            .search([("display_name", "not ilike", self.card.name)])
        )
        self.assertIn(self.customer, excluded)

    def test_cards_of_another_company_stay_hidden(self):
        self.assertFalse(self._found(self.far_card.name))
        # Visible once the user works in that company too.
        self.salesman.company_ids = [Command.link(self.other_company.id)]
        Partner = (
            self.env["res.partner"]
            .with_user(self.salesman)
            .with_context(allowed_company_ids=self.other_company.ids)
        )
        found = {pid for pid, _name in Partner.name_search(self.far_card.name)}
        self.assertEqual(found, {self.other_customer.id})

    def test_user_without_card_access(self):
        self.assertFalse(self._found(self.card.name, user=self.user_without_cards))
        self.assertIn(
            self.customer.id, self._found("Acme", user=self.user_without_cards)
        )

    def test_quotation_customer_field(self):
        order = Form(self.env["sale.order"].with_user(self.salesman))
        partners = (
            self.env["res.partner"]
            .with_user(self.salesman)
            .with_context(res_partner_search_mode="customer")
            .name_search(self.card.name)
        )
        self.assertEqual([pid for pid, _name in partners], [self.customer.id])
        order.partner_id = self.env["res.partner"].browse(partners[0][0])
        self.assertEqual(order.partner_id, self.customer)

    def test_cards_found_by_number(self):
        arch = self.Card.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('<field name="name"', arch)
        Card = self.Card.with_user(self.salesman)
        self.assertEqual(Card.search([("name", "ilike", self.card.name)]), self.card)
        found = Card.name_search(self.card.name)
        self.assertEqual([card_id for card_id, _name in found], self.card.ids)
