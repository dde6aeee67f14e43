import re
import threading

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError, ValidationError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL, mute_logger

from .test_cashback_common import CashbackCommon

NAN, INF = float("nan"), float("inf")
# Values no number field may take: not a number, infinite, not convertible.
BAD_NUMBERS = (NAN, INF, -INF, "abc", "nan", [1])


@tagged("post_install", "-at_install")
class TestGuardConfig(CashbackCommon):
    """What cannot change once money moved, and clear errors on bad input."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.liability_a2 = company._b2b_create_account(
            "Cashback payable (tools)", "liability_current", True
        )
        cls.rebate_a2 = company._b2b_create_account(
            "Sales rebates (tools)", "income", False
        )
        cls.breakage_a2 = company._b2b_create_account(
            "Cashback breakage (tools)", "income_other", False
        )
        cls.journal_a2 = cls.env["account.journal"].create(
            {
                "name": "Loyalty (tools)",
                "code": "LOYT",
                "type": "general",
                "company_id": company.id,
            }
        )

    def _earn(self):
        """A posted invoice earning cashback on card A, with its journal entry."""
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        self.assertTrue(self._live(invoice).move_id)
        return invoice

    def test_program_company_frozen_with_cards(self):
        card = self._create_card(self.program_discount)
        card.action_block()
        with self.assertRaisesRegex(UserError, "Dealer 10%.*already has cards"):
            self.program_discount.company_id = self.company_b
        self.assertEqual(card.company_id, self.company)
        # The same company written again is no change.
        self.program_discount.write({"company_id": self.company.id})
        # A program without cards may still move, with the new company's
        # default journal and accounts.
        self.program_accumulative.company_id = self.company_b
        self.assertEqual(
            self.program_accumulative.liability_account_id,
            self.company_b.b2b_liability_account_id,
        )

    def test_program_accounts_frozen_after_entries(self):
        self._earn()
        for fname, value in (
            ("journal_id", self.journal_a2),
            ("rebate_account_id", self.rebate_a2),
            ("liability_account_id", self.liability_a2),
            ("breakage_account_id", self.breakage_a2),
            ("breakage_account_id", self.env["account.account"]),
        ):
            with (
                self.subTest(fname=fname, value=value.display_name),
                self.assertRaisesRegex(UserError, "Tools cashback.*new program"),
            ):
                self.program_a[fname] = value
        self.assertEqual(self.program_a.liability_account_id, self.liability_a)
        # Writing the values it has, or other settings, is allowed.
        self.program_a.write(
            {
                "journal_id": self.program_a.journal_id.id,
                "liability_account_id": self.liability_a.id,
                "cashback_validity_months": 6,
            }
        )

    def test_program_empty_account_may_be_set_later(self):
        self.program_a.breakage_account_id = False
        self._earn()
        self.program_a.breakage_account_id = self.breakage_a2
        self.assertEqual(self.program_a.breakage_account_id, self.breakage_a2)
        with self.assertRaisesRegex(UserError, "Tools cashback"):
            self.program_a.breakage_account_id = self.breakage_a

    def test_program_with_entries_but_no_cards_keeps_company(self):
        program = self.Program.create(
            {"name": "Lone cashback", "program_type": "cashback"}
        )
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": program.journal_id.id,
                "date": "2019-01-15",
                "b2b_program_id": program.id,
                "line_ids": [
                    Command.create(
                        {"account_id": program.rebate_account_id.id, "debit": 5.0}
                    ),
                    Command.create(
                        {
                            "account_id": program.liability_account_id.id,
                            "partner_id": self.customer.id,
                            "credit": 5.0,
                        }
                    ),
                ],
            }
        )
        move.action_post()
        self.assertFalse(program.card_ids)
        with self.assertRaisesRegex(UserError, "Lone cashback.*new program"):
            program.company_id = self.company_b
        self.assertEqual(program.company_id, self.company)
        self.assertEqual(program.liability_account_id, move.line_ids[1].account_id)

    def test_card_frozen_with_ledger(self):
        self._earn()
        program_a2 = self.Program.create(
            {"name": "Tools cashback 2", "program_type": "cashback"}
        )
        card_name = re.escape(self.card_a.name)
        for fname, value in (
            ("partner_id", self.other_customer),
            ("program_id", program_a2),
        ):
            with (
                self.subTest(fname=fname),
                self.assertRaisesRegex(UserError, f"{card_name}.*ledger entries"),
            ):
                self.card_a[fname] = value
        # A contact of its company is its company: no change.
        self.card_a.partner_id = self.contact
        self.assertEqual(self.card_a.partner_id, self.customer)
        # A card without entries may still change hands.
        card = self._create_card(self.program_discount)
        card.partner_id = self.other_customer
        self.assertEqual(card.partner_id, self.other_customer)

    def test_card_frozen_with_ledger_of_another_company(self):
        """Entries the user cannot read (written while the card's program
        belonged to another company) freeze the card too."""
        entry = self._live(self._earn())
        # Such entries can no longer be made: simulate one.
        self.env.cr.execute(
            SQL(
                "UPDATE loyalty_b2b_transaction SET company_id = %s WHERE id = %s",
                self.company_b.id,
                entry.id,
            )
        )
        self.env.invalidate_all()
        card = self.card_a.with_context(allowed_company_ids=self.company.ids)
        self.assertFalse(card.transaction_ids)
        with self.assertRaisesRegex(UserError, "ledger entries"):
            card.partner_id = self.other_customer

    def test_account_changes_recheck_programs(self):
        self.program_a.write(
            {
                "liability_account_id": self.liability_a2.id,
                "rebate_account_id": self.rebate_a2.id,
                "breakage_account_id": self.breakage_a2.id,
            }
        )
        # A code in company B, that the account may move there.
        self.rebate_a2.with_company(self.company_b).code = "219901"
        for account, vals, reason in (
            (self.liability_a2, {"reconcile": False}, "reconciliation"),
            (self.liability_a2, {"account_type": "income"}, "liability"),
            (self.rebate_a2, {"account_type": "asset_current"}, "income or expense"),
            (self.breakage_a2, {"account_type": "expense"}, "income account"),
            (
                self.rebate_a2,
                {"company_ids": [Command.set(self.company_b.ids)]},
                "company",
            ),
        ):
            with (
                self.subTest(account=account.name, vals=vals),
                self.assertRaisesRegex(ValidationError, f"Tools cashback.*{reason}"),
                self.env.cr.savepoint(),
            ):
                account.write(vals)
        # Changes that keep the program's rules hold, in one batch.
        (self.rebate_a2 | self.breakage_a2).write({"account_type": "income_other"})
        self.rebate_a2.account_type = "expense"
        self.assertEqual(self.program_a.rebate_account_id.account_type, "expense")

    def test_journal_changes_recheck_programs(self):
        self.program_a.journal_id = self.journal_a2
        for vals, reason in (
            ({"type": "sale"}, "miscellaneous journal"),
            ({"company_id": self.company_b.id}, "company"),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, f"Tools cashback.*{reason}"),
                self.env.cr.savepoint(),
            ):
                self.journal_a2.write(vals)
        # Changes that keep the program's rules hold.
        self.journal_a2.name = "Loyalty, tools"
        self.assertEqual(self.program_a.journal_id.name, "Loyalty, tools")

    def test_products_of_programs_kept(self):
        product = self.product_training  # reward of the stamp program
        for records in (product, product.product_tmpl_id):
            with self.subTest(model=records._name):
                with self.assertRaisesRegex(UserError, "Stamps"):
                    records.action_archive()
                with self.assertRaisesRegex(UserError, "Stamps"):
                    records.unlink()
        self.assertTrue(product.active)
        self.assertEqual(self.program_stamp.stamp_reward_product_id, product)
        with self.assertRaisesRegex(UserError, "Tools cashback"):
            self.redemption_product.active = False
        # A product no program uses may go.
        self.product_paper.action_archive()
        self.assertFalse(self.product_paper.active)
        self.product_paper.product_tmpl_id.unlink()
        self.assertFalse(self.product_paper.exists())

    def test_bad_numbers_refused(self):
        tier = self.program_a.tier_ids[0]
        writes = (
            (
                "Discount",
                lambda value: self.Program.create(
                    {
                        "name": "Bad",
                        "program_type": "discount",
                        "discount_percent": value,
                    }
                ),
            ),
            (
                "Minimum Order",
                lambda value: self.program_stamp.write({"stamp_min_amount": value}),
            ),
            (
                "Stamps Required",
                lambda value: self.program_stamp.write({"stamps_required": value}),
            ),
            (
                "Spend Threshold",
                lambda value: self.env["loyalty.b2b.tier"].create(
                    {
                        "program_id": self.program_a.id,
                        "name": "Bad",
                        "min_amount": value,
                    }
                ),
            ),
            ("Discount", lambda value: tier.write({"discount_percent": value})),
            ("Cashback", lambda value: tier.write({"cashback_percent": value})),
            (
                "Cashback",
                lambda value: self.Program.create(
                    {
                        "name": "Bad",
                        "program_type": "cashback",
                        "tier_ids": [
                            Command.create({"name": "Bad", "cashback_percent": value})
                        ],
                    }
                ),
            ),
            (
                "Qualifying Spend",
                lambda value: self.card_a.write({"spent_amount": value}),
            ),
            (
                "Qualifying Spend",
                lambda value: self._create_card(
                    self.program_discount, spent_amount=value
                ),
            ),
        )
        for label, write in writes:
            for value in BAD_NUMBERS:
                with (
                    self.subTest(label=label, value=value),
                    self.assertRaisesRegex(ValidationError, re.escape(label)),
                ):
                    write(value)
        # Numbers as strings are converted by the ORM, as they always were.
        self.program_discount.write({"discount_percent": "12.5"})
        self.assertEqual(self.program_discount.discount_percent, 12.5)

    def test_ledger_total_search_operands(self):
        self._earn()
        for fname in ("cashback_balance", "stamp_count"):
            for operator, value in (
                (">", "abc"),
                (">", "5"),
                (">", None),
                (">", False),
                (">", True),
                ("<=", [1]),
                (">=", NAN),
                ("<", INF),
                ("=", "abc"),
                ("!=", -INF),
                ("=", True),
                ("in", [0]),
            ):
                with (
                    self.subTest(fname=fname, operator=operator, value=value),
                    self.assertRaises(UserError),
                ):
                    self.Card.search([(fname, operator, value)])
        self.assertIn(self.card_a, self.Card.search([("cashback_balance", ">", 19.5)]))
        self.assertIn(self.card_a, self.Card.search([("cashback_balance", "!=", None)]))
        self.assertIn(self.card_b, self.Card.search([("cashback_balance", "=", False)]))
        self.assertIn(self.card_a, self.Card.search([("stamp_count", "=", 0)]))


@tagged("post_install", "-at_install")
class TestCardConcurrency(BaseCase):
    """Two clients issuing the same card at once, in two real transactions:
    the second gets the same clear error as when the first had committed."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.addCleanup(self._cleanup)
        self.ids = {}
        with self.registry.cursor() as cr:
            env = self._env(cr)
            partner = env["res.partner"].create(
                {"name": "Concurrent Enrolee", "is_company": True}
            )
            program = env["loyalty.b2b.program"].create(
                {"name": "Concurrent Discount", "discount_percent": 5}
            )
            self.ids.update(partner=partner.id, program=program.id)

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _cleanup(self):
        if not self.ids:
            return
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["loyalty.b2b.card"].search(
                [("program_id", "=", self.ids["program"])]
            ).unlink()
            env["loyalty.b2b.program"].browse(self.ids["program"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _create_card(self, cr):
        return self._env(cr)["loyalty.b2b.card"].create(
            {"program_id": self.ids["program"], "partner_id": self.ids["partner"]}
        )

    @mute_logger("odoo.sql_db")
    def test_same_card_issued_at_once(self):
        outcome = {}
        with (
            self.registry.cursor() as cr_first,
            self.registry.cursor() as cr_second,
        ):
            self._create_card(cr_first)
            cr_second.execute("SELECT pg_backend_pid()")
            second_pid = cr_second.fetchone()[0]

            def issue_second():
                try:
                    self._create_card(cr_second)
                except Exception as error:  # noqa: BLE001 - checked below
                    outcome["error"] = error

            thread = threading.Thread(target=issue_second)
            thread.start()
            try:
                # Wait until the second transaction waits for the first one on
                # the unique index: it already checked (and saw no card).
                for _attempt in range(200):
                    cr_first.execute("SELECT pg_blocking_pids(%s)", [second_pid])
                    if cr_first.fetchone()[0] or not thread.is_alive():
                        break
                    thread.join(0.05)
                else:
                    self.fail("The second card was not blocked by the first one.")
            finally:
                cr_first.commit()
                thread.join(30)
            self.assertFalse(thread.is_alive())
            cr_second.rollback()
        self.assertIsInstance(outcome.get("error"), ValidationError)
        self.assertEqual(
            outcome["error"].args[0],
            "Concurrent Enrolee already has a card of program "
            "Concurrent Discount (active or pending).",
        )
        with self.registry.cursor() as cr:
            self.assertEqual(
                self._env(cr)["loyalty.b2b.card"].search_count(
                    [("program_id", "=", self.ids["program"])]
                ),
                1,
            )
