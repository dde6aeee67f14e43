from datetime import date

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .test_cashback_common import CashbackCommon


@tagged("post_install", "-at_install")
class TestCashbackEarning(CashbackCommon):
    def test_earn_on_post(self):
        # 2 drills (tools) count, the paper does not: 2 % of 2000.00.
        invoice = self._invoice(
            [(self.product_drill, 2, 1000.0), (self.product_paper, 1, 100.0)]
        )
        entry = self._live(invoice)
        self.assertRecordValues(
            entry,
            [
                {
                    "card_id": self.card_a.id,
                    "partner_id": self.customer.id,
                    "amount": 40.0,
                    "base_amount": 2000.0,
                    "date": date(2019, 1, 15),
                    "invoice_id": invoice.id,
                }
            ],
        )
        move = entry.move_id
        self.assertRecordValues(
            move,
            [
                {
                    "state": "posted",
                    "journal_id": self.program_a.journal_id.id,
                    "partner_id": self.customer.id,
                    "ref": invoice.name,
                    "date": date(2019, 1, 15),
                    "b2b_program_id": self.program_a.id,
                    "b2b_cashback_kind": "earn",
                    "b2b_cashback_amount": 40.0,
                    "b2b_invoice_id": invoice.id,
                }
            ],
        )
        self.assertRecordValues(
            move.line_ids.sorted("balance"),
            [
                {
                    "account_id": self.liability_a.id,
                    "balance": -40.0,
                    "partner_id": self.customer.id,
                },
                {
                    "account_id": self.rebate_a.id,
                    "balance": 40.0,
                    "partner_id": self.customer.id,
                },
            ],
        )
        self.assertEqual(self.card_a.cashback_balance, 40.0)
        self.assertEqual(invoice.b2b_cashback_entry_count, 1)
        action = invoice.action_view_b2b_cashback_entries()
        self.assertEqual(self.Transaction.search(action["domain"]), entry)
        # Company B has a card too, but this invoice is company A's.
        self.assertFalse(self.card_b.transaction_ids)

    def test_invoice_from_the_form(self):
        # The form's default_move_type must not leak into the cashback entries.
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.contact,
            invoice_date="2019-01-15",
            products=self.product_drill,
            post=True,
        )
        self.assertEqual(invoice.env.context.get("default_move_type"), "out_invoice")
        accrual = self._live(invoice)
        self.assertEqual(accrual.amount, 20.0)
        self.assertEqual(accrual.move_id.move_type, "entry")
        invoice.button_draft()
        reversal = accrual.cancel_entry_ids.move_id
        self.assertEqual(reversal.move_type, "entry")
        self.assertEqual(reversal.journal_id, self.program_a.journal_id)

    def test_foreign_currency_at_invoice_rate(self):
        # 1500.00 EUR at the invoice's rate (2 EUR = 1 USD) is 750.00 USD: 15.00.
        self.env["res.currency.rate"].create(
            {"name": "2019-06-01", "rate": 4.0, "currency_id": self.eur.id}
        )
        invoice = self._invoice([(self.product_drill, 1, 1500.0)], currency=self.eur)
        self.assertEqual(self._live(invoice).amount, 15.0)
        self.assertEqual(self._live(invoice).base_amount, 750.0)
        self.assertEqual(self._live(invoice).move_id.currency_id, self.usd)

    def test_rounding(self):
        invoice = self._invoice([(self.product_drill, 1, 333.33)])
        self.assertEqual(self._live(invoice).amount, 6.67)

    def test_excluded_lines(self):
        invoice = self._invoice(
            [(self.product_drill, 1, 1000.0), (self.product_drill, 1, 500.0)],
            post=False,
        )
        reward = invoice.invoice_line_ids.filtered(lambda line: line.price_unit == 500)
        reward.b2b_reward_kind = "stamp_reward"
        invoice.action_post()
        self.assertEqual(self._live(invoice).amount, 20.0)

    def test_down_payment_lines_do_not_earn(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_drill.id,
                            "product_uom_qty": 3,
                            "price_unit": 1000.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids
        ).create(
            {"advance_payment_method": "percentage", "amount": 50}
        ).create_invoices()
        down_payment = order.invoice_ids
        down_payment.action_post()
        self.assertFalse(self._live(down_payment))
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids
        ).create({"advance_payment_method": "delivered"}).create_invoices()
        final = order.invoice_ids - down_payment
        final.action_post()
        # The deduction of the down payment does not count either: 2 % of 3000.
        self.assertEqual(self._live(final).amount, 60.0)
        self.assertEqual(self.card_a.cashback_balance, 60.0)

    def test_no_card_no_cashback(self):
        invoice = self._invoice(
            [(self.product_drill, 1, 1000.0)], partner=self.other_customer
        )
        self.assertFalse(self.Transaction.search([("invoice_id", "=", invoice.id)]))
        self.assertFalse(
            self.env["account.move"].search([("b2b_invoice_id", "=", invoice.id)])
        )
        self.card_a.action_block()
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        self.assertFalse(self._live(invoice))
        self.card_a.action_activate()
        self.program_a.date_to = "2018-12-31"
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        self.assertFalse(self._live(invoice))

    def test_company_without_chart_keeps_other_programs(self):
        company = self.env["res.company"].create({"name": "No chart"})
        company._b2b_setup_loyalty_accounting()
        self.assertFalse(company.b2b_liability_account_id)
        self.assertFalse(company.b2b_loyalty_journal_id)
        program = self.Program.with_company(company).create(
            {
                "name": "Discount",
                "company_id": company.id,
                "program_type": "discount",
                "discount_percent": 5,
            }
        )
        card = self.Card.with_company(company).create(
            {"program_id": program.id, "partner_id": self.customer.id}
        )
        self.assertEqual(card.discount_percent, 5)

    def test_batch_posting(self):
        invoices = self.env["account.move"]
        for price in (100.0, 200.0, 300.0):
            invoices |= self._invoice([(self.product_drill, 1, price)], post=False)
        invoices.action_post()
        self.assertEqual(sorted(self._live(invoices).mapped("amount")), [2.0, 4.0, 6.0])
        # One journal entry for the batch, two lines per invoice labelled with it.
        move = self._live(invoices).move_id
        self.assertRecordValues(
            move,
            [
                {
                    "b2b_cashback_kind": "earn",
                    "b2b_cashback_amount": 12.0,
                    "b2b_invoice_id": False,
                    "ref": "Cashback earned",
                    "partner_id": self.customer.id,
                }
            ],
        )
        for invoice, amount in zip(invoices, (2.0, 4.0, 6.0), strict=True):
            lines = move.line_ids.filtered(
                lambda line, invoice=invoice: invoice.name in line.name
            )
            self.assertEqual(
                sorted(lines.mapped("balance")), [-amount, amount], invoice.name
            )
            self.assertEqual(lines.partner_id, self.customer)

    def test_cancelling_part_of_a_batch_entry(self):
        """One invoice of a batch reset to draft: only its lines are countered
        and reconciled; once all are, the last counter-entry is the reversal of
        the batch entry."""
        invoices = self.env["account.move"]
        for price in (100.0, 200.0, 300.0):
            invoices |= self._invoice([(self.product_drill, 1, price)], post=False)
        invoices.action_post()
        batch_move = self._live(invoices).move_id
        first, rest = invoices[0], invoices[1:]
        first_accrual = self._live(first)
        first.button_draft()
        undo = first_accrual.cancel_entry_ids
        self.assertRecordValues(
            undo.move_id,
            [
                {
                    "b2b_cashback_kind": "reverse",
                    "b2b_cashback_amount": -2.0,
                    "b2b_invoice_id": first.id,
                    "reversed_entry_id": False,
                }
            ],
        )
        liability_lines = batch_move.line_ids.filtered(
            lambda line: line.account_id == self.liability_a
        )
        reconciled = liability_lines.filtered("reconciled")
        self.assertEqual(reconciled.mapped("balance"), [-2.0])
        self.assertEqual(
            reconciled.full_reconcile_id.reconciled_line_ids.move_id,
            batch_move | undo.move_id,
        )
        self.assertEqual(self.card_a.cashback_balance, 10.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 10.0)
        rest_accruals = self._live(rest)
        rest.button_draft()
        last_undo = rest_accruals.cancel_entry_ids.move_id
        self.assertRecordValues(
            last_undo,
            [
                {
                    "b2b_cashback_amount": -10.0,
                    "reversed_entry_id": batch_move.id,
                    "b2b_invoice_id": False,
                }
            ],
        )
        self.assertTrue(all(liability_lines.mapped("reconciled")))
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 0.0)

    def test_cashback_detection_is_batched(self):
        invoices = self.env["account.move"]
        for price in (100.0, 200.0, 300.0, 400.0, 500.0, 600.0):
            invoices |= self._invoice([(self.product_drill, 1, price)], post=False)
        invoices.action_post()
        self.assertEqual(len(self._live(invoices)), 6)
        counts = []
        for documents in (invoices[:1], invoices[:1], invoices):
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            # Already accrued: finds it out without one query per invoice.
            documents._b2b_cashback_on_posted()
            counts.append(self.env.cr.sql_log_count - start)
        # The first run warms up the registry: one invoice costs what six do.
        self.assertEqual(counts[1], counts[2])
        self.assertEqual(len(self._live(invoices)), 6)

    def test_second_company_and_currency(self):
        company = self.company_b
        # Loading the chart of accounts gave company B its cashback defaults.
        self.assertRecordValues(
            company.b2b_liability_account_id,
            [
                {
                    "name": "Cashback payable",
                    "account_type": "liability_current",
                    "reconcile": True,
                }
            ],
        )
        self.assertEqual(company.b2b_rebate_account_id.name, "Sales rebates (cashback)")
        self.assertEqual(company.b2b_breakage_account_id.name, "Cashback breakage")
        self.assertRecordValues(
            company.b2b_loyalty_journal_id, [{"name": "Loyalty", "type": "general"}]
        )
        self.assertEqual(company.b2b_liability_account_id, self.liability_b)
        # 100.00 USD at 0.5 USD = 1 EUR is 200.00 EUR: 4 % is 8.00 EUR.
        invoice = self._invoice(
            [(self.product_paper, 1, 100.0)], company=company, currency=self.usd
        )
        entry = self._live(invoice)
        self.assertEqual(entry.card_id, self.card_b)
        self.assertEqual(entry.amount, 8.0)
        self.assertEqual(entry.company_id, company)
        self.assertEqual(entry.move_id.company_id, company)
        self.assertEqual(entry.move_id.journal_id, company.b2b_loyalty_journal_id)
        self.assertEqual(entry.move_id.currency_id, self.eur)
        self.assertEqual(self._account_credit_balance(self.liability_b, company), 8.0)
        self.assertFalse(self.card_a.transaction_ids)


@tagged("post_install", "-at_install")
class TestCashbackUndo(CashbackCommon):
    def test_post_draft_post_cancel_nets_to_one_or_none(self):
        invoice = self._invoice([(self.product_drill, 2, 1000.0)])
        first = self._live(invoice)
        invoice.button_draft()
        self.assertFalse(self._live(invoice))
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        undo = first.cancel_entry_ids
        self.assertRecordValues(
            undo,
            [{"kind": "reverse", "amount": -40.0, "invoice_id": invoice.id}],
        )
        self.assertTrue(first.is_cancelled)
        self.assertEqual(undo.move_id.reversed_entry_id, first.move_id)
        self.assertEqual(undo.move_id.b2b_cashback_kind, "reverse")
        self.assertEqual(undo.move_id.b2b_cashback_amount, -40.0)
        self.assertTrue(
            first.move_id.line_ids.filtered(
                lambda line: line.account_id == self.liability_a
            ).reconciled
        )
        invoice.action_post()
        self.assertEqual(self._live(invoice).amount, 40.0)
        self.assertEqual(self.card_a.cashback_balance, 40.0)
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertFalse(self._live(invoice))
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 0.0)
        # Two accruals, each cancelled once.
        earns = self.Transaction.search(
            [("invoice_id", "=", invoice.id), ("kind", "=", "earn")]
        )
        self.assertEqual(len(earns), 2)
        self.assertTrue(all(len(earn.cancel_entry_ids) == 1 for earn in earns))
        # Cancelling a draft does nothing more.
        invoice.button_draft()
        invoice.button_cancel()
        self.assertEqual(
            len(self.Transaction.search([("invoice_id", "=", invoice.id)])), 4
        )

    def test_customer_does_not_follow_cashback_entries(self):
        """Posting a journal entry makes its partner follow it: not the ledger's
        own entries, which are internal."""
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        entry = self._live(invoice).move_id
        self.assertEqual(entry.partner_id, self.customer)
        self.assertNotIn(self.customer, entry.message_partner_ids)
        self.assertIn(self.contact, invoice.message_partner_ids)

    def test_cashback_entries_are_not_reset_by_hand(self):
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        with self.assertRaises(UserError):
            self._live(invoice).move_id.button_draft()
        with self.assertRaises(UserError):
            self._live(invoice).move_id.button_cancel()

    @mute_logger("odoo.sql_db")
    def test_unique_live_accrual_index(self):
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        entry = self._live(invoice)
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.Transaction.sudo().create(
                {
                    "card_id": self.card_a.id,
                    "kind": "earn",
                    "amount": 20.0,
                    "invoice_id": invoice.id,
                    "move_id": entry.move_id.id,
                }
            )
            self.env.flush_all()
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.Transaction.sudo().create(
                [
                    {
                        "card_id": self.card_a.id,
                        "kind": "reverse",
                        "amount": -20.0,
                        "reversed_entry_id": entry.id,
                        "move_id": entry.move_id.id,
                    }
                ]
                * 2
            )
            self.env.flush_all()

    def test_partial_credit_notes_reverse_in_proportion(self):
        invoice = self._invoice([(self.product_drill, 3, 333.33)])
        accrual = self._live(invoice)
        self.assertEqual(accrual.amount, 20.0)
        refunds = self.env["account.move"]
        for expected in (-6.67, -6.67, -6.66):
            refund = self._refund(invoice, {self.product_drill: 1})
            refunds |= refund
            taken = self._live(refund, "reverse")
            self.assertRecordValues(
                taken,
                [
                    {
                        "amount": expected,
                        "accrual_id": accrual.id,
                        "base_amount": 333.33,
                    }
                ],
            )
            self.assertEqual(taken.move_id.b2b_invoice_id, refund)
            self.assertEqual(taken.move_id.b2b_cashback_kind, "reverse")
            self.assertEqual(taken.move_id.b2b_cashback_amount, expected)
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 0.0)
        # Resetting a credit note gives its share back; posting it takes it again.
        refunds[0].button_draft()
        self.assertEqual(self.card_a.cashback_balance, 6.67)
        refunds[0].action_post()
        self.assertEqual(self.card_a.cashback_balance, 0.0)

    def test_full_credit_note_after_spending_goes_negative(self):
        invoice = self._invoice([(self.product_drill, 2, 1000.0)])
        self._invoice([(self.product_paper, 1, 100.0)], redeem=40.0)
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        self._refund(invoice)
        # Nothing silently lost: the customer owes 40.00 of cashback...
        self.assertEqual(self.card_a.cashback_balance, -40.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), -40.0)
        # ...that the next earnings absorb.
        self._invoice([(self.product_drill, 1, 2500.0)])
        self.assertEqual(self.card_a.cashback_balance, 10.0)

    def test_credit_note_and_new_draft(self):
        invoice = self._invoice([(self.product_drill, 2, 1000.0)])
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "reason": "Wrong price",
                    "journal_id": invoice.journal_id.id,
                    "date": "2019-01-20",
                }
            )
        )
        action = wizard.modify_moves()
        new_invoice = self.env["account.move"].browse(action["res_id"])
        refund = invoice.reversal_move_ids
        self.assertEqual(refund.state, "posted")
        self.assertEqual(self._live(refund, "reverse").amount, -40.0)
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        new_invoice.invoice_line_ids.price_unit = 900.0
        new_invoice.invoice_date = "2019-01-20"
        new_invoice.action_post()
        self.assertEqual(self._live(new_invoice).amount, 36.0)
        self.assertEqual(self.card_a.cashback_balance, 36.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 36.0)

    def test_invoice_reset_with_posted_credit_note(self):
        invoice = self._invoice([(self.product_drill, 2, 1000.0)])
        refund = self._refund(invoice, {self.product_drill: 1})
        self.assertEqual(self.card_a.cashback_balance, 20.0)
        # The invoice leaves: so does the share its credit note took back.
        invoice.button_draft()
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        self.assertFalse(self._live(refund, "reverse"))
        invoice.action_post()
        self.assertEqual(self.card_a.cashback_balance, 20.0)
        self.assertEqual(self._live(refund, "reverse").amount, -20.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 20.0)


@tagged("post_install", "-at_install")
class TestCashbackRedemption(CashbackCommon):
    def test_redemption_ledger_follows_the_invoice(self):
        self._invoice([(self.product_drill, 3, 1000.0)])
        income = self.company_data["default_account_revenue"]
        # Given on an income account, the redemption line is booked on the
        # program's liability account when posted.
        invoice = self._invoice(
            [(self.product_paper, 1, 100.0)], redeem=25.5, redeem_account=income
        )
        line = invoice._b2b_cashback_lines()
        self.assertEqual(line.account_id, self.liability_a)
        self.assertEqual(line.balance, 25.5)
        redeem = self._live(invoice, "redeem")
        self.assertRecordValues(
            redeem,
            [
                {
                    "card_id": self.card_a.id,
                    "amount": -25.5,
                    "move_id": invoice.id,
                    "invoice_id": invoice.id,
                }
            ],
        )
        self.assertEqual(self.card_a.cashback_balance, 34.5)
        self.assertEqual(self._account_credit_balance(self.liability_a), 34.5)
        invoice.button_draft()
        self.assertFalse(self._live(invoice, "redeem"))
        self.assertEqual(redeem.cancel_entry_ids.amount, 25.5)
        self.assertEqual(self.card_a.cashback_balance, 60.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 60.0)
        invoice.action_post()
        self.assertEqual(self.card_a.cashback_balance, 34.5)
        # A credit note of the invoice gives the spent cashback back.
        self._refund(invoice)
        self.assertEqual(self.card_a.cashback_balance, 60.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 60.0)

    def test_redemption_without_card_is_refused(self):
        with self.assertRaises(UserError):
            self._invoice(
                [(self.product_paper, 1, 100.0)],
                partner=self.other_customer,
                redeem=10.0,
            )


@tagged("post_install", "-at_install")
class TestCashbackPaidTrigger(CashbackCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.b2b_cashback_trigger = "paid"

    def test_earn_when_paid_and_undo_when_unpaid(self):
        invoice = self._invoice([(self.product_drill, 2, 1000.0)])
        self.assertFalse(self._live(invoice))
        self._pay(invoice, amount=1000.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertFalse(self._live(invoice))
        self._pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        accrual = self._live(invoice)
        self.assertEqual(accrual.amount, 40.0)
        # Earned the day it is paid.
        self.assertEqual(accrual.date, date.today())
        # Unreconciling a payment takes it back.
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        receivable.matched_credit_ids[:1].unlink()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertFalse(self._live(invoice))
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 0.0)
        self._pay(invoice)
        self.assertEqual(self._live(invoice).amount, 40.0)
        # Paid again (in_payment -> paid): still one accrual.
        invoice._invoice_paid_hook()
        self.assertEqual(len(self._live(invoice)), 1)
        self.assertEqual(self.card_a.cashback_balance, 40.0)

    def test_credit_note_before_payment(self):
        invoice = self._invoice([(self.product_drill, 2, 1000.0)])
        refund = self._refund(invoice, {self.product_drill: 1})
        self.assertFalse(self._live(refund, "reverse"))
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        # The credit note is reconciled with the invoice; paying the rest
        # accrues, and the credit note's share is taken back at once.
        self._pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._live(invoice).amount, 40.0)
        self.assertEqual(self._live(refund, "reverse").amount, -20.0)
        self.assertEqual(self.card_a.cashback_balance, 20.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 20.0)

    def test_reset_paid_invoice(self):
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        self._pay(invoice)
        self.assertEqual(self.card_a.cashback_balance, 20.0)
        invoice.button_draft()
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        self.assertEqual(
            len(self.Transaction.search([("invoice_id", "=", invoice.id)])), 2
        )
        invoice.action_post()
        self.assertEqual(self.card_a.cashback_balance, 0.0)


@tagged("post_install", "-at_install")
class TestCashbackExpiryAdjustLocks(CashbackCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program_a.cashback_validity_months = 12
        cls.other_card = cls.Card.create(
            {"program_id": cls.program_a.id, "partner_id": cls.other_customer.id}
        )

    def _expire(self, today):
        today = date.fromisoformat(today)
        return self.Transaction._expire_cashback(
            self.Transaction._get_cashback_to_expire(today), today
        )

    def test_expiry_first_in_first_out(self):
        self._invoice([(self.product_drill, 2, 1000.0)], date="2019-01-15")  # 40
        self._invoice([(self.product_drill, 1, 1000.0)], date="2019-06-15")  # 20
        self._invoice([(self.product_paper, 1, 100.0)], date="2019-03-01", redeem=25)
        # Earned on 2019-01-15, valid up to 2020-01-15 included.
        self.assertFalse(self._expire("2020-01-15"))
        expired = self._expire("2020-01-16")
        # The 25.00 spent came out of the oldest 40.00: 15.00 expires.
        self.assertRecordValues(
            expired,
            [{"card_id": self.card_a.id, "kind": "expire", "amount": -15.0}],
        )
        self.assertRecordValues(
            expired.move_id.line_ids.sorted("balance"),
            [
                {"account_id": self.breakage_a.id, "balance": -15.0},
                {"account_id": self.liability_a.id, "balance": 15.0},
            ],
        )
        self.assertEqual(expired.move_id.date, date(2020, 1, 16))
        self.assertEqual(expired.move_id.b2b_cashback_kind, "expire")
        self.assertEqual(expired.move_id.b2b_cashback_amount, -15.0)
        # Running again the same day expires nothing more.
        self.assertFalse(self._expire("2020-01-16"))
        self.assertEqual(self.card_a.cashback_balance, 20.0)
        expired = self._expire("2020-06-16")
        self.assertEqual(expired.amount, -20.0)
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 0.0)
        self.assertEqual(self._account_credit_balance(self.breakage_a), 35.0)

    def test_expiry_ignores_cancelled_accruals(self):
        invoice = self._invoice([(self.product_drill, 1, 1000.0)], date="2019-01-15")
        invoice.button_draft()
        invoice.invoice_date = invoice.date = date(2019, 9, 1)
        invoice.action_post()
        self.assertFalse(self._expire("2020-03-01"))
        self.assertEqual(self._expire("2020-09-02").amount, -20.0)

    def test_expiry_cron_in_batches(self):
        self._invoice([(self.product_drill, 1, 1000.0)], date="2019-01-15")
        self._invoice(
            [(self.product_drill, 1, 500.0)],
            date="2019-01-15",
            partner=self.other_customer,
        )
        cron = self.env.ref("loyalty_b2b.ir_cron_expire_cashback")
        progress = cron._add_progress()[1]
        done = self.Transaction.with_context(
            ir_cron_progress_id=progress.id
        )._cron_expire_cashback(batch_size=1)
        self.assertEqual(done, 2)
        self.assertEqual(progress.done, 2)
        self.assertEqual(progress.remaining, 0)
        self.assertEqual(self.card_a.cashback_balance, 0.0)
        self.assertEqual(self.other_card.cashback_balance, 0.0)
        self.assertEqual(
            self.Transaction.search([("kind", "=", "expire")]).mapped("date"),
            [date.today()] * 2,
        )

    def test_adjustment_wizard(self):
        wizard_form = Form(
            self.env["loyalty.b2b.adjust.wizard"].with_context(
                active_model="loyalty.b2b.card", active_id=self.card_a.id
            )
        )
        self.assertEqual(wizard_form.account_id, self.rebate_a)
        wizard_form.amount = 50.0
        wizard_form.reason = "Goodwill"
        wizard_form.date = date(2019, 5, 1)
        wizard_form.save().action_confirm()
        entry = self.card_a.transaction_ids
        self.assertRecordValues(
            entry, [{"kind": "adjust", "amount": 50.0, "note": "Goodwill"}]
        )
        self.assertRecordValues(
            entry.move_id.line_ids.sorted("balance"),
            [
                {"account_id": self.liability_a.id, "balance": -50.0},
                {"account_id": self.rebate_a.id, "balance": 50.0},
            ],
        )
        self.assertEqual(entry.move_id.b2b_cashback_kind, "adjust")
        wizard = self.env["loyalty.b2b.adjust.wizard"].create(
            {"card_id": self.card_a.id, "amount": -20.0, "reason": "Correction"}
        )
        wizard.action_confirm()
        self.assertEqual(self.card_a.cashback_balance, 30.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 30.0)
        with self.assertRaises(UserError):
            self.env["loyalty.b2b.adjust.wizard"].create(
                {"card_id": self.card_a.id, "amount": 0.0, "reason": "Nothing"}
            ).action_confirm()

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_adjustment_is_for_loyalty_administrators(self):
        accountant = new_test_user(
            self.env,
            login="lb_cb_accountant",
            groups="account.group_account_manager,sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        company_a_only = self.env(
            context=dict(self.env.context, allowed_company_ids=self.company.ids)
        )
        wizard_model = company_a_only["loyalty.b2b.adjust.wizard"].with_user(accountant)
        with self.assertRaises(AccessError):
            wizard_model.create(
                {"card_id": self.card_a.id, "amount": 10.0, "reason": "No"}
            )
        admin = new_test_user(
            self.env,
            login="lb_cb_admin",
            groups="sales_team.group_sale_salesman,loyalty_b2b.group_loyalty_b2b_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        # No accounting rights needed: the entry is the ledger's.
        company_a_only["loyalty.b2b.adjust.wizard"].with_user(admin).create(
            {"card_id": self.card_a.id, "amount": 10.0, "reason": "Yes"}
        ).action_confirm()
        self.assertEqual(self.card_a.cashback_balance, 10.0)

    def test_lock_dates_give_the_first_open_date(self):
        self._invoice([(self.product_drill, 2, 1000.0)], date="2018-01-15")
        self.company.fiscalyear_lock_date = date(2019, 6, 30)
        wizard = self.env["loyalty.b2b.adjust.wizard"].create(
            {
                "card_id": self.card_a.id,
                "amount": 5.0,
                "reason": "Late",
                "date": date(2019, 3, 1),
            }
        )
        wizard.action_confirm()
        adjust = self.card_a.transaction_ids.filtered(lambda e: e.kind == "adjust")
        self.assertEqual(adjust.move_id.date, date(2019, 7, 1))
        self.assertEqual(adjust.date, date(2019, 7, 1))
        # The expiry of 2019-04-01 falls in the locked period too.
        expired = self._expire("2019-04-01")
        self.assertEqual(expired.amount, -40.0)
        self.assertEqual(expired.date, date(2019, 7, 1))
        self.assertEqual(expired.move_id.date, date(2019, 7, 1))
        self.assertEqual(self.card_a.cashback_balance, 5.0)
        self.assertEqual(self._account_credit_balance(self.liability_a), 5.0)


@tagged("post_install", "-at_install")
class TestCashbackReports(CashbackCommon):
    def test_liability_report_and_reconciliation_check(self):
        report = self.env["loyalty.b2b.liability.report"]
        self._invoice([(self.product_drill, 2, 1000.0)], date="2019-01-15")
        self._invoice([(self.product_drill, 1, 500.0)], date="2019-02-15")
        self._invoice(
            [(self.product_paper, 1, 100.0)], company=self.company_b, date="2019-02-15"
        )
        self.assertEqual(report._get_mismatches(), [])
        rows = report._read_group(
            [("partner_id", "=", self.customer.id)],
            ["program_id"],
            ["ledger_balance:sum", "account_balance:sum", "difference:sum"],
        )
        self.assertEqual(
            sorted(
                (program.name, ledger, account, diff)
                for program, ledger, account, diff in rows
            ),
            [("Partner cashback", 4.0, 4.0, 0.0), ("Tools cashback", 50.0, 50.0, 0.0)],
        )
        # A manual entry on the liability account, outside the ledger.
        expense = self.company_data["default_account_expense"]
        manual = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2019-03-01",
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.liability_a.id,
                            "partner_id": self.customer.id,
                            "balance": -7.0,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": expense.id,
                            "balance": 7.0,
                        }
                    ),
                ],
            }
        )
        manual.action_post()
        self.assertEqual(
            report._get_mismatches(),
            [(self.company, self.Program, self.customer, -7.0)],
        )
        # At the end of February everything still agreed.
        self.assertEqual(report._get_mismatches(date(2019, 2, 28)), [])
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_liability_report_action_mismatch"
        )
        check_domain = safe_eval(action["domain"])
        mismatches = report.search(check_domain)
        self.assertRecordValues(
            mismatches,
            [
                {
                    "company_id": self.company.id,
                    "program_id": False,
                    "partner_id": self.customer.id,
                    "date": date(2019, 3, 1),
                    "ledger_balance": 0.0,
                    "account_balance": 7.0,
                    "difference": -7.0,
                }
            ],
        )
        manual.button_draft()
        self.assertEqual(report._get_mismatches(), [])
        self.assertFalse(report.search(check_domain))
        # A ledger entry without its journal entry cannot be written at all,
        # not even in sudo: it would be a mismatch of its program.
        with self.assertRaises(ValidationError):
            self.Transaction.sudo().create(
                {"card_id": self.card_a.id, "kind": "adjust", "amount": 3.0}
            )
        self.assertFalse(report.search(check_domain))

    def test_accountant_screens(self):
        self._invoice([(self.product_drill, 2, 1000.0)])
        accountant = new_test_user(
            self.env,
            login="lb_cb_reader",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        env = self.env(
            user=accountant,
            context=dict(self.env.context, allowed_company_ids=self.company.ids),
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.account_move_action_b2b_cashback"
        )
        entries = env["account.move"].search(safe_eval(action["domain"]))
        self.assertEqual(entries.mapped("b2b_cashback_kind"), ["earn"])
        groups = env["account.move"]._read_group(
            [("b2b_cashback_kind", "!=", False)],
            ["b2b_program_id", "partner_id", "b2b_cashback_kind", "date:month"],
            ["b2b_cashback_amount:sum"],
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0][-1], 40.0)
        ledger = env["loyalty.b2b.transaction"]._read_group(
            [("program_id.program_type", "=", "cashback")], ["kind"], ["amount:sum"]
        )
        self.assertEqual(ledger, [("earn", 40.0)])
        liability = env["loyalty.b2b.liability.report"]._read_group(
            [], ["partner_id"], ["ledger_balance:sum", "account_balance:sum"]
        )
        self.assertEqual(liability, [(self.customer, 40.0, 40.0)])
        for xmlid in (
            "loyalty_b2b.loyalty_b2b_transaction_view_pivot",
            "loyalty_b2b.loyalty_b2b_transaction_view_graph",
            "loyalty_b2b.loyalty_b2b_liability_report_view_list",
            "loyalty_b2b.account_move_view_list_b2b_cashback",
        ):
            view = self.env.ref(xmlid)
            env[view.model].get_view(view.id, view.type)
