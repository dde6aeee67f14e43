from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_cashback_common import CashbackCommon

# What the ledger row's form reads of its journal items.
JOURNAL_ITEMS_SPEC = {
    "move_line_ids": {
        "fields": {
            "account_id": {"fields": {"display_name": {}}},
            "partner_id": {"fields": {"display_name": {}}},
            "name": {},
            "debit": {},
            "credit": {},
        }
    }
}


@tagged("post_install", "-at_install")
class TestLedgerJournalItems(CashbackCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_card = cls.Card.create(
            {"program_id": cls.program_a.id, "partner_id": cls.other_customer.id}
        )
        users = {}
        for login, groups in (
            ("lb_items_billing", "account.group_account_invoice"),
            ("lb_items_salesman", "sales_team.group_sale_salesman"),
            ("lb_items_employee", "base.group_user"),
        ):
            users[login] = new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=cls.company.id,
                company_ids=cls.company.ids,
            )
        cls.billing_user = users["lb_items_billing"]
        cls.salesman = users["lb_items_salesman"]
        cls.employee = users["lb_items_employee"]

    def _env_of(self, user):
        return self.env(
            user=user,
            context=dict(self.env.context, allowed_company_ids=self.company.ids),
        )

    def _read_as(self, user, entry):
        return (
            self._env_of(user)["loyalty.b2b.transaction"]
            .browse(entry.id)
            .web_read(JOURNAL_ITEMS_SPEC)[0]["move_line_ids"]
        )

    def _lines(self, values):
        return sorted(
            (
                line["account_id"]["display_name"],
                line["partner_id"]["display_name"],
                line["name"],
                line["debit"],
                line["credit"],
            )
            for line in values
        )

    def test_users_without_full_accounting_read_the_lines(self):
        # A batch: both customers' cashback in one journal entry.
        invoices = self._invoice(
            [(self.product_drill, 1, 100.0)], post=False
        ) | self._invoice(
            [(self.product_drill, 1, 200.0)], partner=self.other_customer, post=False
        )
        invoices.action_post()
        entry = self._live(invoices[0])
        self.assertEqual(entry.move_id, self._live(invoices[1]).move_id)
        self.assertEqual(len(entry.move_id.line_ids), 4)
        label = f"Cashback earned on {invoices[0].name}"
        expected = sorted(
            [
                (self.rebate_a.display_name, "Acme Wholesale", label, 2.0, 0.0),
                (self.liability_a.display_name, "Acme Wholesale", label, 0.0, 2.0),
            ]
        )
        for user in (self.billing_user, self.salesman):
            for group in (
                "account.group_account_readonly",
                "account.group_account_user",
            ):
                self.assertFalse(user.has_group(group))
            # Only this movement's lines, not the other customer's.
            self.assertEqual(self._lines(self._read_as(user, entry)), expected)
            # The form itself loads for them.
            self._env_of(user)["loyalty.b2b.transaction"].get_views([(False, "form")])

    def test_redemption_shows_its_lines_of_the_invoice(self):
        self._invoice([(self.product_drill, 3, 1000.0)])
        invoice = self._invoice([(self.product_paper, 1, 100.0)], redeem=25.5)
        redeem = self._live(invoice, "redeem")
        self.assertEqual(redeem.move_id, invoice)
        self.assertEqual(
            self._lines(self._read_as(self.salesman, redeem)),
            [
                (
                    self.liability_a.display_name,
                    "Acme Wholesale",
                    "Cashback redemption",
                    25.5,
                    0.0,
                )
            ],
        )

    def test_adjustment_and_stamps(self):
        adjustment = self._add_ledger(self.card_a, amount=7.0)
        self.assertEqual(
            self._lines(self._read_as(self.billing_user, adjustment)),
            sorted(
                [
                    (
                        self.rebate_a.display_name,
                        "Acme Wholesale",
                        "Cashback adjustment: Test balance",
                        7.0,
                        0.0,
                    ),
                    (
                        self.liability_a.display_name,
                        "Acme Wholesale",
                        "Cashback adjustment: Test balance",
                        0.0,
                        7.0,
                    ),
                ]
            ),
        )
        stamp_card = self._create_card(self.program_stamp)
        stamp = self._add_ledger(stamp_card, stamps=1, kind="stamp")
        self.assertFalse(self._read_as(self.salesman, stamp))

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_journal_items_stay_closed_to_others(self):
        entry = self._add_ledger(self.card_a, amount=7.0)
        items = entry.move_line_ids
        self.assertEqual(len(items), 2)
        with self.assertRaises(AccessError):
            items.with_env(self._env_of(self.employee)).read(["debit"])
        # Only what the loyalty ledger booked: no invoice line, no payment.
        invoice = self._invoice([(self.product_drill, 1, 100.0)])
        self.assertFalse(
            self._env_of(self.salesman)["loyalty.b2b.journal.item"].search(
                [("move_id", "=", invoice.id)]
            )
        )
        self.assertTrue(
            self._env_of(self.salesman)["loyalty.b2b.journal.item"].search(
                [("move_id", "=", self._live(invoice).move_id.id)]
            )
        )
        # Nobody writes them.
        with self.assertRaises(AccessError):
            items.with_env(self._env_of(self.billing_user)).write({"name": "Changed"})
