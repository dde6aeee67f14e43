from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_cashback_common import CashbackCommon
from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestProgramDomain(LoyaltyB2bSaleCommon):
    """A program's eligible companies filter (partner domain), on top of its
    partner tags, wherever eligibility is checked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.ref = "DLR-001"
        cls.other_customer.ref = "RET-002"
        cls.program_discount.partner_domain = "[('ref', '=like', 'DLR-%')]"

    def test_card_refused_outside_the_domain(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.contact.id}
        )
        self.assertEqual(card.partner_id, self.customer)
        with self.assertRaisesRegex(ValidationError, "not eligible for program"):
            self.Card.create(
                {
                    "program_id": self.program_discount.id,
                    "partner_id": self.other_customer.id,
                }
            )

    def test_domain_and_tags_both_apply(self):
        self.program_discount.partner_category_ids = self.tag_dealer
        partners = self.customer | self.other_customer
        self.assertFalse(self.program_discount._filter_eligible_partners(partners))
        (self.customer | self.other_customer).category_id = self.tag_dealer
        self.assertEqual(
            self.program_discount._filter_eligible_partners(partners | self.contact),
            self.customer,
        )

    def test_eligibility_is_one_search_per_program(self):
        partners = self.env["res.partner"].create(
            [
                {"name": f"Dealer {index}", "is_company": True, "ref": f"DLR-{index}"}
                for index in range(20)
            ]
        )
        # Warm the cache of the program and the partners; then one query.
        self.program_discount._filter_eligible_partners(partners | self.other_customer)
        with self.assertQueryCount(1):
            eligible = self.program_discount._filter_eligible_partners(
                partners | self.other_customer
            )
        self.assertEqual(eligible, partners)

    def test_no_segment_costs_no_search(self):
        # Neither tags nor filter (nor pilot): every company, without a query,
        # at each order confirmation and invoice posting.
        program = self.program_accumulative
        partners = self.customer | self.other_customer
        self.assertEqual(program._get_segment_domain(), [])
        program._filter_eligible_partners(partners)
        with self.assertQueryCount(0):
            eligible = program._filter_eligible_partners(partners)
        self.assertEqual(eligible, partners)

    def test_bad_domain_refused(self):
        for bad in (
            "[('no_such_field', '=', 1)]",
            "not a domain",
            "{'ref': 1}",
            "[('ref', 'no_operator', 1)]",
        ):
            with self.subTest(domain=bad), self.assertRaises(ValidationError):
                self.program_discount.partner_domain = bad
        # An empty filter means every company.
        self.program_discount.partner_domain = "[]"
        self.assertEqual(
            self.program_discount._filter_eligible_partners(self.other_customer),
            self.other_customer,
        )
        self.program_discount.partner_domain = False
        self.assertEqual(
            self.program_discount._filter_eligible_partners(self.other_customer),
            self.other_customer,
        )

    def test_automatic_enrolment_skips_companies_outside(self):
        self.program_discount.enrolment = "automatic"
        orders = self._create_order(self.contact) | self._create_order(
            self.other_customer
        )
        orders.action_confirm()
        self.assertEqual(self.customer.b2b_card_ids.program_id, self.program_discount)
        self.assertFalse(self.other_customer.b2b_card_ids)

    def test_issue_card_wizard_skips_companies_outside(self):
        wizard = self.env["loyalty.b2b.issue.card.wizard"].create(
            {
                "program_id": self.program_discount.id,
                "partner_ids": [Command.set((self.customer | self.other_customer).ids)],
            }
        )
        _holders, ineligible = wizard._get_skipped_partners()
        self.assertEqual(ineligible, self.other_customer)

    def test_card_of_company_no_longer_eligible_does_not_apply(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        self.assertEqual(self.Card._get_active_cards(self.contact), card)
        self.assertEqual(self._create_order(self.customer).b2b_card_ids, card)
        # The company leaves the segment: it keeps its card, which no longer
        # applies on its quotations.
        self.customer.ref = "RET-001"
        self.assertFalse(self.Card._get_active_cards(self.contact))
        order = self._create_order(self.customer)
        self.assertFalse(order.b2b_card_ids)
        self.assertFalse(order.order_line.discount)
        self.assertEqual(card.state, "active")


@tagged("post_install", "-at_install")
class TestProgramDomainCashback(CashbackCommon):
    def test_invoice_without_order_earns_only_for_eligible_companies(self):
        # The company holds its card, but no longer matches the program's filter.
        self.program_a.partner_domain = "[('ref', '=like', 'DLR-%')]"
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        self.assertFalse(self._live(invoice))
        self.customer.ref = "DLR-001"
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        self.assertEqual(self._live(invoice).card_id, self.card_a)
