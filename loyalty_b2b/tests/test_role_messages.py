from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_cashback_common import CashbackCommon
from .test_reward_request import RewardCommon
from .test_tier_engine import TierCommon

NBSP = "\N{NO-BREAK SPACE}"
# The same space in a message's HTML body.
NBSP_HTML = "&nbsp;"


class RoleContactsMixin:
    """Contacts of each role for a customer: an accountant and a decision
    maker who receive loyalty mail, an accountant who does not, an archived
    accountant who did."""

    @classmethod
    def _create_role_contacts(cls, customer, prefix):
        Partner = cls.env["res.partner"]

        def contact(name, role, mail=True, **vals):
            return Partner.create(
                {
                    "name": f"{prefix} {name}",
                    "parent_id": customer.id,
                    "email": f"{name.lower()}@{prefix.lower()}.example",
                    "b2b_loyalty_role": role,
                    "b2b_loyalty_mail": mail,
                    **vals,
                }
            )

        return {
            "accountant": contact("Accountant", "accountant"),
            "decision_maker": contact("Director", "decision_maker"),
            "quiet_accountant": contact("Quiet", "accountant", mail=False),
            "quiet_director": contact("Silent", "decision_maker", mail=False),
            "archived_accountant": contact("Former", "accountant", active=False),
            "archived_director": contact("Retired", "decision_maker", active=False),
            "buyer": contact("Buyer", "procurement"),
        }

    def _notices(self, card, kind):
        return self.env["loyalty.b2b.card.notice"].search(
            [("card_id", "=", card.id), ("kind", "=", kind)], order="key_date, id"
        )


@tagged("post_install", "-at_install")
class TestMonthlyStatementMail(RoleContactsMixin, CashbackCommon):
    """Statements of stamp cards, built by hand:

    ==============  ==========  ======  =============================
    card            date        stamps  statements mailed
    ==============  ==========  ======  =============================
    Acme            2024-02-10  +1      February, on 2024-03-01
    Acme            2024-03-05  +1      March, on 2024-04-01
    Globex          2024-02-12  +2      February, to Globex's own
    Initech         2024-02-14  +1      none: no accountant mailed
    ==============  ==========  ======  =============================
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acme = cls._create_role_contacts(cls.customer, "Acme")
        cls.globex = cls._create_role_contacts(cls.other_customer, "Globex")
        cls.initech = cls.env["res.partner"].create(
            {"name": "Initech", "is_company": True}
        )
        cls.initech_director = cls.env["res.partner"].create(
            {
                "name": "Initech Director",
                "parent_id": cls.initech.id,
                "email": "director@initech.example",
                "b2b_loyalty_role": "decision_maker",
                "b2b_loyalty_mail": True,
            }
        )
        cls.card = cls._create_card(cls.program_stamp)
        cls.globex_card = cls._create_card(cls.program_stamp, cls.other_customer)
        cls.initech_card = cls._create_card(cls.program_stamp, cls.initech)
        cls.Transaction.sudo().create(
            [
                {"card_id": card.id, "date": day, "kind": "stamp", "stamps": stamps}
                for card, day, stamps in [
                    (cls.card, "2024-02-10", 1),
                    (cls.card, "2024-03-05", 1),
                    (cls.globex_card, "2024-02-12", 2),
                    (cls.initech_card, "2024-02-14", 1),
                ]
            ]
        )

    def _run(self):
        # As the scheduler runs it: as the superuser.
        return self.Card.sudo()._cron_send_monthly_statements()

    def test_period_is_last_month_on_the_first_days(self):
        period = self.Card._get_statement_mail_period
        self.assertEqual(
            period(date(2024, 3, 1)), (date(2024, 2, 1), date(2024, 2, 29))
        )
        self.assertEqual(
            period(date(2024, 1, 7)), (date(2023, 12, 1), date(2023, 12, 31))
        )
        self.assertIsNone(period(date(2024, 1, 8)))
        self.assertIsNone(period(date(2024, 2, 29)))

    def test_statement_to_the_accountants_on_the_first(self):
        with freeze_time("2024-03-01"):
            notices = self._run()
        self.assertEqual(notices.card_id, self.card | self.globex_card)
        notice = self._notices(self.card, "statement")
        self.assertRecordValues(
            notice,
            [
                {
                    "key_date": date(2024, 2, 1),
                    "recipient_ids": self.acme["accountant"].ids,
                }
            ],
        )
        # Posted in the card's chatter, to the accountant only.
        message = notice.message_id
        self.assertEqual(message.model, "loyalty.b2b.card")
        self.assertEqual(message.res_id, self.card.id)
        self.assertIn(message, self.card.message_ids)
        self.assertEqual(message.partner_ids, self.acme["accountant"])
        self.assertEqual(
            message.subject,
            f"{self.company.name}: statement of your loyalty card {self.card.name}",
        )
        self.assertIn("02/01/2024", message.body)
        self.assertIn("02/29/2024", message.body)
        # The statement of February attached: the portal's report, rendered as
        # HTML in tests (Odoo makes no PDF there, see TestStatementMailPdf).
        attachment = message.attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertEqual(
            attachment.name, f"Statement {self.card.name} 2024-02-01 2024-02-29.html"
        )
        self.assertEqual(attachment.mimetype, "text/html")
        self.assertEqual(
            (attachment.res_model, attachment.res_id), (self.card._name, self.card.id)
        )
        html = attachment.raw.decode()
        self.assertIn(self.card.name, html)
        self.assertIn("b2b_statement_line", html)
        # The email: the seller's layout, to the accountant's address.
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.recipient_ids, self.acme["accountant"])
        self.assertEqual(mail.attachment_ids, attachment)
        self.assertIn(self.company.name, mail.body_html)
        self.assertNotIn("unfollow", mail.body_html.lower())
        # Another company's accountant gets that company's statement only.
        globex_notice = self._notices(self.globex_card, "statement")
        self.assertEqual(globex_notice.recipient_ids, self.globex["accountant"])
        self.assertEqual(
            globex_notice.message_id.partner_ids, self.globex["accountant"]
        )

    def test_nobody_else_is_mailed(self):
        with freeze_time("2024-03-01"):
            notices = self._run()
        messaged = notices.message_id.partner_ids | notices.recipient_ids
        for key in (
            "decision_maker",
            "quiet_accountant",
            "quiet_director",
            "archived_accountant",
            "archived_director",
            "buyer",
        ):
            with self.subTest(contact=key):
                self.assertNotIn(self.acme[key], messaged)
                self.assertNotIn(self.globex[key], messaged)

    def test_no_accountant_no_statement(self):
        with freeze_time("2024-03-01"):
            self._run()
        self.assertFalse(self._notices(self.initech_card, "statement"))
        self.assertFalse(
            self.initech_card.message_ids.filtered(lambda m: m.attachment_ids)
        )
        # An accountant added the next day gets it: nothing was logged as sent.
        self.initech_director.b2b_loyalty_role = "accountant"
        with freeze_time("2024-03-02"):
            self._run()
        self.assertEqual(
            self._notices(self.initech_card, "statement").recipient_ids,
            self.initech_director,
        )

    def test_not_twice(self):
        with freeze_time("2024-03-01"):
            self.assertEqual(len(self._run()), 2)
            self.assertFalse(self._run(), "second run the same day")
        with freeze_time("2024-03-02"):
            self.assertFalse(self._run(), "next day")
        self.assertEqual(len(self._notices(self.card, "statement")), 1)
        self.assertEqual(
            len(self.card.message_ids.filtered(lambda m: m.attachment_ids)), 1
        )

    def test_each_month_with_movement(self):
        with freeze_time("2024-03-01"):
            self._run()
        with freeze_time("2024-04-01"):
            # March: only Acme's card moved.
            self.assertEqual(self._run().card_id, self.card)
        with freeze_time("2024-05-01"):
            self.assertFalse(self._run(), "no movement in April")
        self.assertEqual(
            self._notices(self.card, "statement").mapped("key_date"),
            [date(2024, 2, 1), date(2024, 3, 1)],
        )

    def test_not_after_the_first_days(self):
        with freeze_time("2024-03-08"):
            self.assertFalse(self._run())
        with freeze_time("2024-03-07"):
            self.assertEqual(len(self._run()), 2)

    def test_key_is_unique(self):
        with freeze_time("2024-03-01"):
            self._run()
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["loyalty.b2b.card.notice"].sudo().create(
                {"card_id": self.card.id, "kind": "statement", "key_date": "2024-02-01"}
            )

    def test_claimed_elsewhere_is_not_sent(self):
        """Another job recorded the statement after this one looked (two
        runs at once): the unique key stops this one, which sends nothing."""
        template = self.env.ref("loyalty_b2b.mail_template_b2b_monthly_statement")
        self.env["loyalty.b2b.card.notice"].sudo().create(
            {"card_id": self.card.id, "kind": "statement", "key_date": "2024-02-01"}
        )
        messages = self.card.message_ids
        notice = self.card._send_role_notice(
            "statement", date(2024, 2, 1), template, self.acme["accountant"]
        )
        self.assertFalse(notice)
        self.assertEqual(self.card.message_ids, messages)

    def test_messages_on_the_card(self):
        with freeze_time("2024-03-01"):
            notices = self._run()
        self.card.invalidate_recordset(["notice_count"])
        self.assertEqual(self.card.notice_count, 1)
        self.assertEqual(
            self.card.notice_ids, notices.filtered(lambda n: n.card_id == self.card)
        )
        action = self.card.action_view_notices()
        self.assertEqual(action["res_model"], "loyalty.b2b.card.notice")
        self.assertEqual(
            self.env["loyalty.b2b.card.notice"].search(action["domain"]),
            self.card.notice_ids,
        )

    def test_template_is_editable_data(self):
        for xmlid in (
            "mail_template_b2b_monthly_statement",
            "mail_template_b2b_cashback_expiry_warning",
            "mail_template_b2b_downgrade_risk",
        ):
            with self.subTest(template=xmlid):
                data = self.env["ir.model.data"].search(
                    [("module", "=", "loyalty_b2b"), ("name", "=", xmlid)]
                )
                self.assertTrue(data.noupdate, "administrators' edits survive")
                template = self.env.ref(f"loyalty_b2b.{xmlid}")
                self.assertEqual(template.model, "loyalty.b2b.card")
                self.assertTrue(template._fields["body_html"].translate)
                self.assertTrue(template._fields["subject"].translate)


@tagged("post_install", "-at_install")
class TestStatementMailReservations(RoleContactsMixin, RewardCommon):
    def test_month_with_reservations_only_sends_nothing(self):
        """A reservation moves no balance: a month with nothing else is a
        month without movement."""
        self._create_role_contacts(self.customer, "Acme")
        with freeze_time("2024-02-10"):
            self._request(self.training, self.stamp_card).action_approve()
        self.assertTrue(
            self.stamp_card.transaction_ids.filtered(
                lambda entry: (
                    entry.kind == "reserve" and entry.date == date(2024, 2, 10)
                )
            )
        )
        with freeze_time("2024-03-01"):
            self.assertFalse(self.Card.sudo()._cron_send_monthly_statements())


@tagged("post_install", "-at_install")
class TestStatementMailPdf(RoleContactsMixin, CashbackCommon):
    """The PDF itself, at today's date: wkhtmltopdf does not run under
    freeze_time; the job takes its day instead."""

    def test_pdf_attached(self):
        report = self.env["ir.actions.report"]
        if report.get_wkhtmltopdf_state() != "ok":
            self.skipTest("wkhtmltopdf is not installed")
        acme = self._create_role_contacts(self.customer, "Acme")
        card = self._create_card(self.program_stamp)
        self.Transaction.sudo().create(
            {"card_id": card.id, "date": "2024-02-10", "kind": "stamp", "stamps": 1}
        )
        notices = (
            self.Card.sudo()
            .with_context(force_report_rendering=True)
            ._cron_send_monthly_statements(today=date(2024, 3, 1))
        )
        self.assertEqual(notices.card_id, card)
        attachment = notices.message_id.attachment_ids
        self.assertEqual(
            attachment.name, f"Statement {card.name} 2024-02-01 2024-02-29.pdf"
        )
        self.assertEqual(attachment.mimetype, "application/pdf")
        self.assertTrue(attachment.raw.startswith(b"%PDF"))
        self.assertEqual(notices.recipient_ids, acme["accountant"])


@tagged("post_install", "-at_install")
class TestCashbackExpiryWarning(RoleContactsMixin, CashbackCommon):
    """Tools cashback, 12 months' validity: 2 % of tools.

    ========  ==========  =============  ======  ==========  ===============
    customer  invoice     tools          earned  expires on  warned from
    ========  ==========  =============  ======  ==========  ===============
    Acme      2019-01-15  2 x 1,000.00   40.00   2020-01-16  2019-12-17
    Acme      2019-06-15  1 x 1,000.00   20.00   2020-06-16  2020-05-17
    Globex    2019-01-15  1 x 1,500.00   30.00   2020-01-16  2019-12-17
    ========  ==========  =============  ======  ==========  ===============

    2020-01-16 is 31 days after 2019-12-16 and 30 days after 2019-12-17.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program_a.cashback_validity_months = 12
        cls.acme = cls._create_role_contacts(cls.customer, "Acme")
        cls.globex = cls._create_role_contacts(cls.other_customer, "Globex")
        cls.globex_card = cls._create_card(cls.program_a, cls.other_customer)
        cls._invoice([(cls.product_drill, 2, 1000.0)], date="2019-01-15")
        cls._invoice([(cls.product_drill, 1, 1000.0)], date="2019-06-15")
        cls._invoice(
            [(cls.product_drill, 1, 1500.0)],
            partner=cls.other_customer,
            date="2019-01-15",
        )

    def _run(self):
        return self.Card.sudo()._cron_send_expiry_warnings()

    def test_ledger_as_built(self):
        self.assertEqual(self.card_a.cashback_balance, 60.0)
        self.assertEqual(self.globex_card.cashback_balance, 30.0)

    def test_not_31_days_before(self):
        with freeze_time("2019-12-16"):
            self.assertFalse(self._run())

    def test_warning_30_days_before_to_the_decision_makers(self):
        with freeze_time("2019-12-17"):
            notices = self._run()
        self.assertEqual(notices.card_id, self.card_a | self.globex_card)
        notice = self._notices(self.card_a, "expiry_warning")
        self.assertRecordValues(
            notice,
            [
                {
                    "key_date": date(2020, 1, 16),
                    "recipient_ids": self.acme["decision_maker"].ids,
                }
            ],
        )
        message = notice.message_id
        self.assertEqual(
            (message.model, message.res_id), (self.card_a._name, self.card_a.id)
        )
        self.assertEqual(message.partner_ids, self.acme["decision_maker"])
        self.assertEqual(
            message.subject,
            f"{self.company.name}: cashback of your card {self.card_a.name} "
            "expires on 01/16/2020",
        )
        # 40.00 of 2019-01-15 only: the 20.00 of June expires later.
        self.assertIn(f"${NBSP_HTML}40.00", message.body)
        self.assertNotIn("60.00", message.body)
        self.assertIn("01/16/2020", message.body)
        self.assertIn("01/15/2020", message.body)
        globex_notice = self._notices(self.globex_card, "expiry_warning")
        self.assertEqual(globex_notice.recipient_ids, self.globex["decision_maker"])
        self.assertIn(f"${NBSP_HTML}30.00", globex_notice.message_id.body)
        everybody_else = self.env["res.partner"].concat(
            *(
                contacts[key]
                for contacts in (self.acme, self.globex)
                for key in contacts
                if key != "decision_maker"
            )
        )
        self.assertFalse(notices.message_id.partner_ids & everybody_else)

    def test_once_per_batch(self):
        with freeze_time("2019-12-17"):
            self.assertEqual(len(self._run()), 2)
            self.assertFalse(self._run(), "second run the same day")
        with freeze_time("2019-12-18"):
            self.assertFalse(self._run(), "next day")
        with freeze_time("2020-05-16"):
            self.assertFalse(self._run(), "31 days before the second batch")
        with freeze_time("2020-05-17"):
            # The next batch (another day): the 20.00 of 2019-06-15.
            notices = self._run()
        self.assertEqual(notices.card_id, self.card_a)
        self.assertEqual(notices.key_date, date(2020, 6, 16))
        self.assertIn(f"${NBSP_HTML}20.00", notices.message_id.body)
        self.assertEqual(
            self._notices(self.card_a, "expiry_warning").mapped("key_date"),
            [date(2020, 1, 16), date(2020, 6, 16)],
        )

    def test_spent_cashback_is_not_announced(self):
        # 40.00 spent on 2019-12-01 consumes the oldest batch first.
        self._invoice([(self.product_paper, 1, 100.0)], date="2019-12-01", redeem=40)
        with freeze_time("2019-12-17"):
            self.assertEqual(self._run().card_id, self.globex_card)

    def test_without_decision_maker_nothing_is_logged(self):
        self.acme["decision_maker"].b2b_loyalty_mail = False
        with freeze_time("2019-12-17"):
            self.assertEqual(self._run().card_id, self.globex_card)
        self.assertFalse(self._notices(self.card_a, "expiry_warning"))


@tagged("post_install", "-at_install")
class TestTierMessages(RoleContactsMixin, TierCommon):
    """Volume program: Silver from 0 (3 %), Gold from 10,000.00 (7 %), a
    3-month tier hold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program_accumulative.tier_hold_months = 3
        cls.acme = cls._create_role_contacts(cls.customer, "Acme")
        cls.globex = cls._create_role_contacts(cls.other_customer, "Globex")

    def _warn(self):
        return self.Card.sudo()._cron_send_downgrade_warnings()

    def _held_gold_card(self):
        """Gold reached on 2024-01-10 (10,000.00), 4,000.00 credited on
        2024-02-01: spend 6,000.00, Gold kept until 2024-04-09 (3 months), the
        card falls to Silver on 2024-04-10. Warned from 2024-03-10."""
        with freeze_time("2024-01-10"):
            card = self._card()
            self._document(self.customer, "2024-01-10", 10000.0)
        with freeze_time("2024-02-01"):
            self._document(self.customer, "2024-02-01", 4000.0, move_type="out_refund")
        self.assertEqual(card.tier_id, self.gold)
        self.assertEqual(card.spent_amount, 6000.0)
        return card

    def test_downgrade_risk_one_month_before(self):
        card = self._held_gold_card()
        with freeze_time("2024-03-09"):
            self.assertFalse(self._warn(), "not before a month")
        with freeze_time("2024-03-10"):
            notices = self._warn()
        self.assertRecordValues(
            notices,
            [
                {
                    "card_id": card.id,
                    "kind": "downgrade_risk",
                    "key_date": date(2024, 4, 9),
                    "recipient_ids": self.acme["decision_maker"].ids,
                }
            ],
        )
        message = notices.message_id
        self.assertEqual((message.model, message.res_id), (card._name, card.id))
        self.assertEqual(message.partner_ids, self.acme["decision_maker"])
        self.assertEqual(
            message.subject,
            f"{self.company.name}: keep your Gold tier after 04/09/2024",
        )
        # 10,000.00 - 6,000.00 = 4,000.00 keeps Gold; 6,000.00 reaches Silver.
        self.assertIn(
            "Gold is kept until 04/09/2024 by the 3-month tier hold; to keep it "
            f"after that, spend ${NBSP_HTML}4,000.00 more. Otherwise the card moves to "
            "Silver: 3 % on 04/10/2024",
            message.body,
        )

    def test_downgrade_risk_once_per_hold_end(self):
        card = self._held_gold_card()
        with freeze_time("2024-03-10"):
            self.assertEqual(len(self._warn()), 1)
            self.assertFalse(self._warn(), "second run the same day")
        with freeze_time("2024-03-11"):
            self.assertFalse(self._warn(), "next day")
        with freeze_time("2024-04-10"):
            self.Card._cron_recompute_tiers()
            self.assertEqual(card.tier_id, self.silver)
            self.assertFalse(self._warn(), "the hold is over")
        self.assertEqual(len(self._notices(card, "downgrade_risk")), 1)

    def test_no_risk_when_the_spend_keeps_the_tier(self):
        card = self._held_gold_card()
        with freeze_time("2024-03-05"):
            self._document(self.customer, "2024-03-05", 4000.0)
        self.assertEqual(card.spent_amount, 10000.0)
        with freeze_time("2024-03-10"):
            self.assertFalse(self._warn())

    def test_upgrade_mail_to_decision_makers_with_next_tier(self):
        self.env["loyalty.b2b.tier"].create(
            {
                "program_id": self.program_accumulative.id,
                "name": "Platinum",
                "min_amount": 25000,
                "discount_percent": 10,
            }
        )
        with freeze_time("2024-06-15"):
            card = self._card()
            self._document(self.customer, "2024-06-01", 10000.0)
            self.History.sudo()._cron_notify_tier_changes()
        upgrade = card.tier_history_ids.filtered(lambda h: h.change == "upgrade")
        mails = self.env["mail.mail"].search(
            [("model", "=", upgrade._name), ("res_id", "=", upgrade.id)]
        )
        # To the decision maker who receives loyalty mail only.
        self.assertEqual(mails.recipient_ids, self.acme["decision_maker"])
        self.assertEqual(
            mails.subject, "Acme Wholesale is now Gold: 7 % on your orders"
        )
        # 25,000.00 - 10,000.00 = 15,000.00 to Platinum.
        self.assertIn(
            f"Spend ${NBSP}15,000.00 more within the rolling 12 months to reach "
            "Platinum: 10 %",
            mails.body_html,
        )
        self.assertRecordValues(
            self._notices(card, "tier_upgrade"),
            [
                {
                    "key_date": date(2024, 6, 15),
                    "recipient_ids": self.acme["decision_maker"].ids,
                    "message_id": mails.mail_message_id.id,
                }
            ],
        )
