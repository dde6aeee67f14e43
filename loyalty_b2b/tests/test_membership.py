from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .test_sale_common import LoyaltyB2bSaleCommon


class MembershipCommon(LoyaltyB2bSaleCommon):
    """Paid membership: 1,200.00 a year (plus the test company's 15 % tax),
    renewal invoiced 30 days before the end, 15 days of grace.

    The first fee is paid on 2026-01-20: the card is valid until 2027-01-19,
    its renewal is invoiced on 2026-12-20 and, unpaid, it expires on 2027-02-04.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_fee = cls._create_product(
            name="Dealer membership", type="service", lst_price=1200.0
        )
        cls.program_paid = cls.Program.create(
            {
                "name": "Premium dealers",
                "program_type": "discount",
                "discount_percent": 10,
                "enrolment": "paid",
                "membership_product_id": cls.product_fee.id,
            }
        )
        cls.customer.email = "office@acme.example.com"
        cls.contact.write(
            {
                "email": "ann@acme.example.com",
                "b2b_loyalty_mail": True,
                "b2b_loyalty_role": "procurement",
            }
        )
        cls.accountant = cls.env["res.partner"].create(
            {
                "name": "Zoe Ledger",
                "parent_id": cls.customer.id,
                "email": "zoe@acme.example.com",
                "b2b_loyalty_mail": True,
                "b2b_loyalty_role": "accountant",
            }
        )
        cls.env["res.partner"].create(
            {
                "name": "Max Nomail",
                "parent_id": cls.customer.id,
                "email": "max@acme.example.com",
            }
        )

    # Helpers ---------------------------------------------------------------

    def _pay(self, invoice, payment_date, user=None):
        with freeze_time(payment_date):
            return (
                self.env["account.payment.register"]
                .with_user(user or self.env.user)
                .with_company(invoice.company_id)
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"payment_date": payment_date})
                ._create_payments()
            )

    def _refund(self, invoice, refund_date):
        with freeze_time(refund_date):
            refund = invoice._reverse_moves(
                [{"invoice_date": refund_date, "date": refund_date}]
            )
            refund.action_post()
        return refund

    def _cron(self, day):
        with freeze_time(day):
            return self.Card._cron_membership()

    def _issue(self, program=None, partner=None, day="2026-01-10"):
        with freeze_time(day):
            return self._create_card(program or self.program_paid, partner)

    def _paid_card(self):
        """A card whose first fee was paid on 2026-01-20."""
        card = self._issue()
        self._pay(card.membership_move_ids, "2026-01-20")
        return card


@tagged("post_install", "-at_install")
class TestMembership(MembershipCommon):
    def test_period_of_a_month_starting_at_its_end(self):
        card = self._issue()
        self.program_paid.membership_period_months = 1
        self.assertEqual(
            card._b2b_membership_get_period(date(2027, 1, 31)),
            (date(2027, 1, 31), date(2027, 2, 28)),
        )
        self.assertEqual(
            card._b2b_membership_get_period(date(2027, 1, 20)),
            (date(2027, 1, 20), date(2027, 2, 19)),
        )
        self.program_paid.membership_period_months = 12
        self.assertEqual(
            card._b2b_membership_get_period(date(2028, 2, 29)),
            (date(2028, 2, 29), date(2029, 2, 28)),
        )

    # Issuing ----------------------------------------------------------------

    def test_card_starts_pending_with_a_posted_fee_invoice(self):
        card = self._issue(partner=self.contact)
        self.assertEqual(card.state, "pending")
        self.assertEqual(card.partner_id, self.customer)
        self.assertFalse(card.valid_until)
        invoice = card.membership_move_ids
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "payment_state": "not_paid",
                    "amount_untaxed": 1200.0,
                    "amount_total": 1380.0,
                    "b2b_membership_date_start": False,
                }
            ],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [
                {
                    "product_id": self.product_fee.id,
                    "quantity": 1.0,
                    "price_unit": 1200.0,
                    "tax_ids": self.tax_sale_a.ids,
                    "account_id": self.company_data["default_account_revenue"].id,
                }
            ],
        )
        # An ordinary invoice: no loyalty journal entry, no ledger entry.
        self.assertFalse(self.Transaction.search([("card_id", "=", card.id)]))
        self.assertEqual(card.membership_document_count, 1)

    def test_wizard_of_a_salesperson_charges_each_company(self):
        """A salesperson without accounting rights issues the cards; a billing
        user without loyalty rights registers the payment."""
        salesperson = self._new_salesperson()
        billing = new_test_user(
            self.env,
            login="b2b_billing",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        partners = self.customer | self.other_customer
        wizard_model = (
            self.env["loyalty.b2b.issue.card.wizard"]
            .with_user(salesperson)
            .with_context(active_model="res.partner", active_ids=partners.ids)
        )
        with freeze_time("2026-01-10"):
            with Form(wizard_model) as form:
                form.program_id = self.program_paid
            form.record.action_issue()
        cards = form.record.card_ids.sudo(False)
        self.assertEqual(cards.partner_id, partners)
        self.assertEqual(set(cards.mapped("state")), {"pending"})
        invoices = cards.membership_move_ids
        self.assertEqual(invoices.partner_id, partners)
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        card = cards.filtered(lambda c: c.partner_id == self.customer)
        self._pay(card.membership_move_ids, "2026-01-20", user=billing)
        self.assertEqual(card.state, "active")
        self.assertEqual((cards - card).state, "pending")

    def test_administrator_may_waive_the_fee(self):
        card = self.Card.with_context(b2b_membership_no_fee=True).create(
            {"program_id": self.program_paid.id, "partner_id": self.customer.id}
        )
        self.assertEqual(card.state, "active")
        self.assertFalse(card.membership_move_ids)

    def test_pending_card_gives_and_earns_nothing(self):
        self._issue()
        order = self._create_order()
        self.assertFalse(order.b2b_card_ids)
        self.assertRecordValues(
            order.order_line, [{"b2b_discount": 0.0, "discount": 0.0}]
        )
        # A paid cashback membership earns no cashback while pending.
        self.program_cashback.write(
            {"enrolment": "paid", "membership_product_id": self.product_fee.id}
        )
        cashback_card = self._create_card(self.program_cashback)
        self.assertEqual(cashback_card.state, "pending")
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertEqual(invoice.amount_untaxed, 1000.0)
        self.assertFalse(
            self.Transaction.search(
                [("card_id", "=", cashback_card.id), ("kind", "=", "earn")]
            )
        )

    def test_reactivate_refused_while_unpaid(self):
        card = self._issue()
        with self.assertRaisesRegex(UserError, "the membership fee is unpaid"):
            card.action_activate()
        with self.assertRaisesRegex(UserError, "the membership fee is unpaid"):
            card.write({"state": "active"})
        self.assertEqual(card.state, "pending")
        # Paid: blocking and reactivating work as for any card.
        self._pay(card.membership_move_ids, "2026-01-20")
        with freeze_time("2026-02-01"):
            card.action_block()
            self.assertEqual(card.state, "blocked")
            card.action_activate()
            self.assertEqual(card.state, "active")

    # Payment ----------------------------------------------------------------

    def test_payment_activates_for_a_period(self):
        card = self._paid_card()
        self.assertEqual(card.state, "active")
        self.assertEqual(card.valid_until, date(2027, 1, 19))
        self.assertRecordValues(
            card.membership_move_ids,
            [
                {
                    "payment_state": self.env[
                        "account.move"
                    ]._get_invoice_in_payment_state(),
                    "b2b_membership_date_start": date(2026, 1, 20),
                    "b2b_membership_date_end": date(2027, 1, 19),
                }
            ],
        )
        with freeze_time("2026-02-01"):
            order = self._create_order()
        self.assertEqual(order.b2b_card_id, card)
        self.assertRecordValues(
            order.order_line, [{"b2b_discount": 10.0, "discount": 10.0}]
        )

    def test_fee_earns_no_cashback_of_another_card(self):
        card = self._create_card(self.program_cashback)
        fee_card = self._issue()
        self.assertFalse(
            self.Transaction.search(
                [
                    ("card_id", "=", card.id),
                    ("invoice_id", "=", fee_card.membership_move_ids.id),
                ]
            )
        )

    # Renewal ----------------------------------------------------------------

    def test_renewal_invoiced_once_n_days_before_the_end(self):
        card = self._paid_card()
        self.assertFalse(self._cron("2026-12-19"))
        self.assertEqual(len(card.membership_move_ids), 1)
        renewal = self._cron("2026-12-20")
        self.assertEqual(renewal.b2b_membership_card_id, card)
        self.assertRecordValues(
            renewal,
            [{"state": "posted", "amount_total": 1380.0, "is_move_sent": True}],
        )
        self.assertIn("to 01/19/2028", renewal.invoice_line_ids.name)
        self.assertEqual(card.membership_renewed_until, date(2027, 1, 19))
        # Once per period, whatever the cron does next.
        self.assertFalse(self._cron("2026-12-21"))
        self.assertFalse(self._cron("2027-01-05"))
        self.assertEqual(len(card.membership_move_ids), 2)
        self.assertEqual(card.state, "active")

    def test_no_renewal_past_the_end_of_the_program(self):
        card = self._paid_card()
        self.program_paid.date_to = "2027-01-19"
        self.assertFalse(self._cron("2026-12-20"))
        self.assertEqual(len(card.membership_move_ids), 1)

    def test_renewal_emailed_to_loyalty_contacts_accountants_first(self):
        card = self._paid_card()
        renewal = self._cron("2026-12-20")
        self.assertEqual(
            renewal.b2b_membership_recipient_ids, self.accountant | self.contact
        )
        self.assertEqual(
            renewal.b2b_membership_recipient_ids.ids,
            [self.accountant.id, self.contact.id],
        )
        mail = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", renewal.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.accountant | self.contact)
        self.assertIn(renewal.name, mail.subject)
        self.assertIn(card.name, str(mail.body_html))
        self.assertTrue(mail.attachment_ids)

    def test_renewal_email_falls_back_to_the_company(self):
        self.other_customer.email = "info@globex.example.com"
        card = self._issue(partner=self.other_customer)
        self._pay(card.membership_move_ids, "2026-01-20")
        renewal = self._cron("2026-12-20")
        self.assertEqual(renewal.b2b_membership_recipient_ids, self.other_customer)
        mail = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", renewal.id)]
        )
        self.assertEqual(mail.recipient_ids, self.other_customer)

    def test_renewal_paid_in_time_follows_the_period(self):
        card = self._paid_card()
        renewal = self._cron("2026-12-20")
        self._pay(renewal, "2027-01-25")  # in the grace days
        self.assertEqual(card.state, "active")
        self.assertRecordValues(
            renewal,
            [
                {
                    "b2b_membership_date_start": date(2027, 1, 20),
                    "b2b_membership_date_end": date(2028, 1, 19),
                }
            ],
        )
        self.assertEqual(card.valid_until, date(2028, 1, 19))
        # The next renewal, a year later.
        self.assertFalse(self._cron("2027-12-19"))
        self.assertTrue(self._cron("2027-12-20"))

    def test_expiry_after_grace_and_late_payment(self):
        card = self._paid_card()
        renewal = self._cron("2026-12-20")
        self._cron("2027-01-20")
        self.assertEqual(card.state, "active", "grace days")
        self._cron("2027-02-03")
        self.assertEqual(card.state, "active", "last day of grace")
        self._cron("2027-02-04")
        self.assertEqual(card.state, "expired")
        with freeze_time("2027-02-05"):
            order = self._create_order()
        self.assertFalse(order.b2b_card_ids)
        # Paid late: a new period from the payment date.
        self._pay(renewal, "2027-02-10")
        self.assertEqual(card.state, "active")
        self.assertEqual(card.valid_until, date(2028, 2, 9))
        self.assertEqual(renewal.b2b_membership_date_start, date(2027, 2, 10))

    def test_expired_card_cannot_be_reactivated_by_hand(self):
        card = self._paid_card()
        self._cron("2026-12-20")
        self._cron("2027-02-04")
        self.assertEqual(card.state, "expired")
        with (
            freeze_time("2027-02-05"),
            self.assertRaisesRegex(UserError, "the membership fee is unpaid"),
        ):
            card.action_activate()

    # Credit notes and unreconciliation --------------------------------------

    def test_credit_note_of_the_first_fee_puts_the_card_back_to_pending(self):
        card = self._paid_card()
        self._refund(card.membership_move_ids, "2026-03-01")
        self.assertEqual(card.state, "pending")
        self.assertFalse(card.valid_until)

    def test_partial_credit_note_keeps_the_card(self):
        card = self._paid_card()
        invoice = card.membership_move_ids
        with freeze_time("2026-03-01"):
            refund = invoice._reverse_moves(
                [{"invoice_date": "2026-03-01", "date": "2026-03-01"}]
            )
            refund.invoice_line_ids.price_unit = 200.0
            refund.action_post()
        self.assertEqual(card.state, "active")
        self.assertEqual(card.valid_until, date(2027, 1, 19))

    def test_credit_note_of_a_renewal_expires_the_card(self):
        card = self._paid_card()
        renewal = self._cron("2026-12-20")
        self._pay(renewal, "2027-01-10")
        self._refund(renewal, "2027-03-01")
        self.assertFalse(renewal.b2b_membership_date_start)
        self.assertEqual(card.valid_until, date(2027, 1, 19))
        self.assertEqual(card.state, "expired")

    def test_credit_note_reset_to_draft_gives_the_period_back(self):
        card = self._paid_card()
        refund = self._refund(card.membership_move_ids, "2026-03-01")
        self.assertEqual(card.state, "pending")
        with freeze_time("2026-03-02"):
            refund.button_draft()
        self.assertEqual(card.state, "active")
        self.assertEqual(card.valid_until, date(2027, 1, 19))

    def test_unreconciled_payment_puts_the_card_back_to_pending(self):
        card = self._paid_card()
        invoice = card.membership_move_ids
        with freeze_time("2026-01-21"):
            invoice.line_ids.remove_move_reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(invoice.b2b_membership_date_start)
        self.assertEqual(card.state, "pending")
        self._pay(invoice, "2026-02-01")
        self.assertEqual(card.valid_until, date(2027, 1, 31))

    def test_fee_invoice_reset_to_draft_puts_the_card_back_to_pending(self):
        card = self._paid_card()
        with freeze_time("2026-01-21"):
            card.membership_move_ids.button_draft()
        self.assertEqual(card.state, "pending")
        self.assertFalse(card.valid_until)

    def test_unreconciled_renewal_paid_in_advance_keeps_the_current_period(self):
        card = self._paid_card()
        renewal = self._cron("2026-12-20")
        self._pay(renewal, "2026-12-22")
        self.assertEqual(card.valid_until, date(2028, 1, 19))
        with freeze_time("2026-12-23"):
            renewal.line_ids.remove_move_reconcile()
        self.assertEqual(card.valid_until, date(2027, 1, 19))
        self.assertEqual(card.state, "active")
        # The renewal is open again: the card expires after the grace days.
        self._cron("2027-02-04")
        self.assertEqual(card.state, "expired")

    # Sales order mode ---------------------------------------------------------

    def test_fee_charged_by_sales_order(self):
        self.program_paid.membership_fee_document = "order"
        discount_card = self._create_card(self.program_discount)
        card = self._issue()
        self.assertEqual(card.state, "pending")
        self.assertFalse(card.membership_move_ids)
        order = card.membership_order_ids
        self.assertRecordValues(
            order,
            [
                {
                    "state": "sale",
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "amount_untaxed": 1200.0,
                    "b2b_card_id": discount_card.id,
                }
            ],
        )
        # A fee is no purchase: the company's discount card leaves it alone.
        self.assertEqual(order.order_line.discount, 0.0)
        with freeze_time("2026-01-15"):
            invoice = self._invoice(order)
        self.assertEqual(invoice.b2b_membership_card_id, card)
        self.assertEqual(card.state, "pending")
        self._pay(invoice, "2026-01-20")
        self.assertEqual(card.state, "active")
        self.assertEqual(card.valid_until, date(2027, 1, 19))
        # The renewal is a new confirmed order, once.
        self._cron("2026-12-20")
        self.assertEqual(len(card.membership_order_ids), 2)
        self.assertEqual(card.membership_order_ids[0].state, "sale")
        self._cron("2026-12-21")
        self.assertEqual(len(card.membership_order_ids), 2)
        # While the renewal order waits for its invoice, the grace days apply.
        self._cron("2027-02-03")
        self.assertEqual(card.state, "active")
        self._cron("2027-02-04")
        self.assertEqual(card.state, "expired")

    # Multi-company -----------------------------------------------------------

    def test_fee_invoice_in_the_program_company(self):
        company_b = self._setup_second_company()["company"]
        self.env.user.company_ids |= company_b
        env = self.env(
            context=dict(
                self.env.context, allowed_company_ids=(self.company | company_b).ids
            )
        )
        fee_b = self._create_product(
            name="Membership B",
            type="service",
            lst_price=500.0,
            company_id=company_b.id,
            taxes_id=[Command.clear()],
            property_account_income_id=False,
        )
        program_b = (
            env["loyalty.b2b.program"]
            .with_company(company_b)
            .create(
                {
                    "name": "Members B",
                    "company_id": company_b.id,
                    "enrolment": "paid",
                    "membership_product_id": fee_b.id,
                }
            )
        )
        with freeze_time("2026-01-10"):
            card = (
                env["loyalty.b2b.card"]
                .with_company(company_b)
                .create({"program_id": program_b.id, "partner_id": self.customer.id})
            )
        invoice = card.membership_move_ids
        self.assertEqual(invoice.company_id, company_b)
        self.assertEqual(invoice.journal_id.company_id, company_b)
        self.assertEqual(invoice.amount_total, 500.0)
        self.assertEqual(invoice.invoice_line_ids.account_id.company_ids, company_b)
        self._pay(invoice, "2026-01-20")
        self.assertEqual(card.state, "active")

    # Program settings -------------------------------------------------------

    def test_program_settings_are_checked(self):
        paid = {
            "name": "Members",
            "enrolment": "paid",
            "membership_product_id": self.product_fee.id,
        }
        with self.assertRaisesRegex(ValidationError, "membership fee"):
            self.Program.create({"name": "No fee", "enrolment": "paid"})
        with self.assertRaisesRegex(ValidationError, "at least one month"):
            self.Program.create({**paid, "membership_period_months": 0})
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.Program.create({**paid, "membership_grace_days": -1})
        with self.assertRaisesRegex(ValidationError, "must be a service"):
            self.Program.create(
                {**paid, "membership_product_id": self.product_drill.id}
            )

    def test_enrolment_frozen_once_fees_were_charged(self):
        self.program_paid.enrolment = "manual"  # no card yet: allowed
        self.program_paid.enrolment = "paid"
        self._paid_card()
        # The fee product and the period may change: next invoices use them.
        self.program_paid.write(
            {"membership_period_months": 6, "membership_grace_days": 5}
        )
        with self.assertRaisesRegex(UserError, "stays a paid membership"):
            self.program_paid.enrolment = "manual"
        renewal = self._cron("2026-12-20")
        self._pay(renewal, "2027-01-10")
        self.assertEqual(renewal.b2b_membership_date_end, date(2027, 7, 19))
