from odoo.tests import tagged
from odoo.tools import html2plaintext

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestSaleEnrollmentMessage(LoyaltyB2bSaleCommon):
    def _notes(self, order):
        return [html2plaintext(body) for body in order.message_ids.mapped("body")]

    def test_enrolment_is_logged_on_the_order(self):
        self.program_stamp.enrolment = "automatic"
        self.program_discount.enrolment = "automatic"
        order = self._create_order(self.contact)
        order.action_confirm()
        cards = self.customer.b2b_card_ids
        self.assertEqual(cards.program_id, self.program_stamp | self.program_discount)
        enrolment_notes = [note for note in self._notes(order) if "issued to" in note]
        # One note for the order, one line per card.
        self.assertEqual(len(enrolment_notes), 1)
        for card in cards:
            self.assertIn(
                f"Card {card.name} of program {card.program_id.name} issued to "
                f"{self.customer.name}.",
                enrolment_notes[0],
            )
        # The card keeps its own note too.
        for card in cards:
            self.assertIn(order.name, card.message_ids[0].body)
        # A later order issues no card, and says nothing of one.
        next_order = self._create_order(self.customer)
        next_order.action_confirm()
        self.assertFalse(
            [note for note in self._notes(next_order) if "issued to" in note]
        )

    def test_orders_confirmed_together_each_log_their_cards(self):
        self.program_stamp.enrolment = "automatic"
        first = self._create_order(self.customer)
        second = self._create_order(self.contact)
        third = self._create_order(self.other_customer)
        (first | second | third).action_confirm()
        card = self.customer.b2b_card_ids
        other_card = self.other_customer.b2b_card_ids
        self.assertTrue(card and other_card)
        # The customer's card was issued once, at the first of its orders.
        first_notes = " ".join(self._notes(first))
        self.assertIn(f"Card {card.name} of program Stamps issued to", first_notes)
        self.assertNotIn(other_card.name, first_notes)
        self.assertFalse([note for note in self._notes(second) if "issued to" in note])
        self.assertIn(
            f"Card {other_card.name} of program Stamps issued to Globex Trading.",
            " ".join(self._notes(third)),
        )
