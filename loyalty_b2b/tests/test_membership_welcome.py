from odoo.tests import freeze_time, tagged

from .test_membership import MembershipCommon


@tagged("post_install", "-at_install")
class TestMembershipWelcome(MembershipCommon):
    """The first fee invoice is emailed when the card is issued."""

    def _mails_of(self, invoices):
        return self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "in", invoices.ids)]
        )

    def test_first_fee_invoice_emailed_to_loyalty_contacts(self):
        card = self._issue()
        invoice = card.membership_move_ids
        mail = self._mails_of(invoice)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.accountant | self.contact)
        self.assertEqual(
            mail.subject,
            f"{self.company.name}: your loyalty card awaits its membership fee "
            f"{invoice.name}",
        )
        body = str(mail.body_html)
        self.assertIn(card.name, body)
        self.assertIn(self.program_paid.name, body)
        self.assertIn("pending until its membership fee is paid", body)
        self.assertEqual(len(mail.attachment_ids), 1)
        # The invoice report (rendered as HTML in tests: no wkhtmltopdf).
        # The invoice report: a PDF, rendered as HTML in tests (no wkhtmltopdf).
        self.assertTrue(mail.attachment_ids.name.startswith(invoice.name))
        self.assertEqual(mail.mail_message_id.model, "account.move")
        self.assertEqual(mail.mail_message_id.res_id, invoice.id)
        self.assertTrue(invoice.is_move_sent)
        self.assertTrue(
            invoice.message_ids.filtered(
                lambda m: "Membership fee invoice emailed to" in str(m.body)
            )
        )

    def test_issued_by_a_salesperson_is_emailed(self):
        salesperson = self._new_salesperson()
        with freeze_time("2026-01-10"):
            card = self.Card.with_user(salesperson).create(
                {"program_id": self.program_paid.id, "partner_id": self.customer.id}
            )
        self.assertEqual(len(self._mails_of(card.sudo().membership_move_ids)), 1)

    def test_fallback_to_the_company_email(self):
        self.other_customer.email = "info@globex.example.com"
        card = self._issue(partner=self.other_customer)
        mail = self._mails_of(card.membership_move_ids)
        self.assertEqual(mail.recipient_ids, self.other_customer)

    def test_waived_fee_sends_nothing(self):
        before = self.env["mail.mail"].search_count([("model", "=", "account.move")])
        card = self.Card.with_context(b2b_membership_no_fee=True).create(
            {"program_id": self.program_paid.id, "partner_id": self.customer.id}
        )
        self.assertFalse(card.membership_move_ids)
        self.assertEqual(
            self.env["mail.mail"].search_count([("model", "=", "account.move")]),
            before,
        )

    def test_sales_order_mode_sends_no_invoice(self):
        self.program_paid.membership_fee_document = "order"
        card = self._issue()
        self.assertTrue(card.membership_order_ids)
        self.assertFalse(
            self.env["mail.mail"].search(
                [
                    ("model", "in", ("account.move", "sale.order")),
                    ("subject", "ilike", "awaits its membership fee"),
                ]
            )
        )

    def test_renewal_keeps_its_own_template(self):
        card = self._paid_card()
        renewal = self._cron("2026-12-20")
        mail = self._mails_of(renewal)
        self.assertEqual(len(mail), 1)
        self.assertIn("membership renewal", mail.subject)
        self.assertEqual(len(self._mails_of(card.membership_move_ids)), 2)
