from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .test_cashback_common import CashbackCommon

STATEMENT_REPORT = "loyalty_b2b.action_report_loyalty_statement"


@tagged("post_install", "-at_install")
@freeze_time("2019-12-20")
class TestCardStatement(CashbackCommon):
    """Statements of a cashback card and of a stamp card over a period.

    Card A (12 months' validity), by hand:

    ==========  ======================  ======  =======
    2019-01-15  earned on INV 1         +40.00   40.00
    2019-03-01  redeemed on INV 2       -25.00   15.00
    2019-06-15  earned on INV 3         +20.00   35.00
    2019-07-01  adjustment "Goodwill"    +5.00   40.00
    ==========  ======================  ======  =======

    Statement of 2019-03-01 to 2019-06-30: opening 40.00, out 25.00, in
    20.00, closing 35.00. Left on 2019-12-20, oldest first: 15.00 of INV 1
    (expires 2020-01-16), 20.00 of INV 3 (2020-06-16), 5.00 (2020-07-02).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program_a.cashback_validity_months = 12
        cls.invoice_1 = cls._invoice(
            [(cls.product_drill, 2, 1000.0)], date="2019-01-15"
        )
        cls.invoice_2 = cls._invoice(
            [(cls.product_paper, 1, 100.0)], date="2019-03-01", redeem=25
        )
        cls.invoice_3 = cls._invoice(
            [(cls.product_drill, 1, 1000.0)], date="2019-06-15"
        )
        cls.Transaction._adjust_cashback(
            cls.card_a, 5.0, "Goodwill", date=date(2019, 7, 1)
        )
        cls.card_stamp = cls._create_card(cls.program_stamp)
        stamps = [
            ("2019-02-01", "stamp", 1),
            ("2019-02-15", "stamp", 1),
            ("2019-03-10", "stamp", 1),
            ("2019-03-20", "stamp_reward", -3),
            ("2019-05-02", "stamp", 1),
        ]
        cls.Transaction.sudo().create(
            [
                {"card_id": cls.card_stamp.id, "date": day, "kind": kind, "stamps": n}
                for day, kind, n in stamps
            ]
        )

    def test_cashback_statement(self):
        data = self.card_a._get_statement_data("2019-03-01", "2019-06-30")
        self.assertEqual(data["unit"], "money")
        self.assertEqual(data["currency"], self.usd)
        self.assertEqual(data["date_from"], date(2019, 3, 1))
        self.assertEqual(data["date_to"], date(2019, 6, 30))
        self.assertEqual(data["opening_balance"], 40.0)
        self.assertEqual(
            [
                {
                    key: line[key]
                    for key in (
                        "date",
                        "description",
                        "reference",
                        "amount_in",
                        "amount_out",
                        "balance",
                    )
                }
                for line in data["lines"]
            ],
            [
                {
                    "date": date(2019, 3, 1),
                    "description": "Cashback redeemed",
                    "reference": self.invoice_2.name,
                    "amount_in": 0.0,
                    "amount_out": 25.0,
                    "balance": 15.0,
                },
                {
                    "date": date(2019, 6, 15),
                    "description": "Cashback earned",
                    "reference": self.invoice_3.name,
                    "amount_in": 20.0,
                    "amount_out": 0.0,
                    "balance": 35.0,
                },
            ],
        )
        self.assertEqual((data["total_in"], data["total_out"]), (20.0, 25.0))
        self.assertEqual(data["closing_balance"], 35.0)
        self.assertEqual(
            data["expiry"],
            {
                "date": date(2019, 12, 20),
                "is_expiring": True,
                "next_date": date(2020, 1, 16),
                "next_amount": 15.0,
                "within": {30: 15.0, 90: 15.0},
            },
        )

    def test_whole_history_ends_on_the_card_balance(self):
        data = self.card_a._get_statement_data(date(2019, 1, 1), date(2019, 12, 31))
        self.assertEqual(data["opening_balance"], 0.0)
        self.assertEqual(len(data["lines"]), 4)
        self.assertEqual(
            data["lines"][-1]["description"], "Manual adjustment · Goodwill"
        )
        self.assertEqual(data["closing_balance"], self.card_a.cashback_balance)
        self.assertEqual(data["closing_balance"], 40.0)
        # Nothing after the period: the closing balance of an earlier day.
        data = self.card_a._get_statement_data("2019-01-01", "2019-03-01")
        self.assertEqual([line["amount_out"] for line in data["lines"]], [0.0, 25.0])
        self.assertEqual(data["closing_balance"], 15.0)
        data = self.card_a._get_statement_data("2018-01-01", "2018-12-31")
        self.assertEqual(
            (data["opening_balance"], data["lines"], data["closing_balance"]),
            (0.0, [], 0.0),
        )

    def test_stamp_statement(self):
        data = self.card_stamp._get_statement_data("2019-03-01", "2019-05-31")
        self.assertEqual(data["unit"], "stamps")
        self.assertEqual(data["opening_balance"], 2)
        self.assertEqual(
            [
                (line["amount_in"], line["amount_out"], line["balance"])
                for line in data["lines"]
            ],
            [(1, 0, 3), (0, 3, 0), (1, 0, 1)],
        )
        self.assertEqual(
            [line["description"] for line in data["lines"]],
            ["Stamp", "Stamp reward", "Stamp"],
        )
        self.assertEqual((data["total_in"], data["total_out"]), (2, 3))
        self.assertEqual(data["closing_balance"], 1)
        self.assertFalse(data["expiry"])

    def test_discount_card_statement_says_it_has_no_balance(self):
        card = self._create_card(self.program_discount)
        data = card._get_statement_data("2019-01-01", "2019-12-31")
        self.assertFalse(data["unit"])
        self.assertEqual(data["lines"], [])
        html = self._render_html(card, "2019-01-01", "2019-12-31")
        self.assertIn("This card keeps no balance", html)

    def test_period_validation(self):
        for date_from, date_to, message in [
            (False, "2019-01-31", "Choose the first and last day"),
            ("2019-01-01", None, "Choose the first and last day"),
            ("2019-02-01", "2019-01-31", "must start before it ends"),
            ("yesterday", "2019-01-31", "must be two valid dates"),
            ("2019-02-30", "2019-03-31", "must be two valid dates"),
        ]:
            with (
                self.subTest(date_from=date_from, date_to=date_to),
                self.assertRaisesRegex(UserError, message),
            ):
                self.card_a._get_statement_data(date_from, date_to)
        self.assertEqual(
            self.Card._get_statement_period("2019-01-31", date(2019, 1, 31)),
            (date(2019, 1, 31), date(2019, 1, 31)),
        )

    def _render_html(self, cards, date_from=None, date_to=None):
        data = {}
        if date_from:
            data = {"date_from": date_from, "date_to": date_to}
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            STATEMENT_REPORT, cards.ids, data=data
        )
        return html.decode()

    def _money(self, amount):
        return self.env["ir.qweb.field.monetary"].value_to_html(
            amount, {"display_currency": self.usd}
        )

    def test_html_report_shows_the_figures(self):
        html = self._render_html(self.card_a, "2019-03-01", "2019-06-30")
        self.assertIn(self.card_a.name, html)
        self.assertIn("Opening balance", html)
        self.assertIn(self.invoice_2.name, html)
        self.assertNotIn(self.invoice_1.name, html)
        self.assertNotIn("Goodwill", html)
        for amount in (40.0, 25.0, 15.0, 20.0, 35.0):
            self.assertIn(self._money(amount), html)
        self.assertIn("Expires within 90 days", html)
        self.assertIn("01/16/2020", html)

    def test_html_report_defaults_to_the_current_month(self):
        self.Transaction._adjust_cashback(
            self.card_a, 7.5, "December gift", date=date(2019, 12, 2)
        )
        html = self._render_html(self.card_a)
        self.assertIn("12/01/2019", html)
        self.assertIn("12/31/2019", html)
        self.assertIn("December gift", html)
        self.assertNotIn("Goodwill", html)

    def test_wizard_prints_the_chosen_period(self):
        # A company with its document layout: no layout configurator first.
        self.env.company.external_report_layout_id = self.env.ref(
            "web.external_layout_standard"
        )
        wizard_form = Form(
            self.env["loyalty.b2b.statement.wizard"].with_context(
                active_model="loyalty.b2b.card",
                active_ids=(self.card_a | self.card_stamp).ids,
            )
        )
        # The previous month by default.
        self.assertEqual(wizard_form.date_from, date(2019, 11, 1))
        self.assertEqual(wizard_form.date_to, date(2019, 11, 30))
        wizard_form.date_from = date(2019, 3, 1)
        wizard_form.date_to = date(2019, 6, 30)
        wizard = wizard_form.save()
        self.assertEqual(wizard.card_ids, self.card_a | self.card_stamp)
        action = wizard.action_print()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], "loyalty_b2b.report_loyalty_statement")
        self.assertEqual(action["context"]["active_ids"], wizard.card_ids.ids)
        self.assertEqual(
            action["data"], {"date_from": "2019-03-01", "date_to": "2019-06-30"}
        )
        html = self._render_html(wizard.card_ids, **action["data"])
        self.assertIn(self._money(35.0), html)
        self.assertIn(self.card_stamp.name, html)
        wizard.date_to = date(2019, 2, 1)
        with self.assertRaisesRegex(UserError, "must start before it ends"):
            wizard.action_print()


@tagged("post_install", "-at_install")
class TestCardStatementPdf(CashbackCommon):
    """The PDF, at today's date: wkhtmltopdf does not run under freeze_time.
    One card per PDF: Debian's wkhtmltopdf (unpatched Qt) renders no document
    of several records, whatever the report."""

    def test_pdf_report(self):
        report = self.env["ir.actions.report"]
        if report.get_wkhtmltopdf_state() != "ok":
            self.skipTest("wkhtmltopdf is not installed")
        self.program_a.cashback_validity_months = 12
        self._invoice([(self.product_drill, 2, 1000.0)], date="2019-01-15")
        stamp_card = self._create_card(self.program_stamp)
        for card in (self.card_a, stamp_card):
            with self.subTest(card=card.program_type):
                pdf, report_type = report.with_context(
                    force_report_rendering=True
                )._render_qweb_pdf(
                    STATEMENT_REPORT,
                    card.ids,
                    data={"date_from": "2019-01-01", "date_to": "2019-12-31"},
                )
                self.assertEqual(report_type, "pdf")
                self.assertTrue(pdf.startswith(b"%PDF"))
