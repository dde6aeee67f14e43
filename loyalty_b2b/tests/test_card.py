import operator

from lxml import etree
from psycopg2.errors import UniqueViolation

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestCard(LoyaltyB2bCommon):
    def test_card_belongs_to_commercial_partner(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.contact.id}
        )
        self.assertEqual(card.partner_id, self.customer)
        self.assertEqual(card.company_id, self.company)
        # Visible from the company and from each of its contacts.
        self.assertEqual(self.customer.b2b_card_ids, card)
        self.assertEqual(self.contact.b2b_card_ids, card)
        self.assertEqual(self.contact.b2b_card_count, 1)
        self.assertFalse(self.other_customer.b2b_card_ids)

    def test_card_number_sequence_per_company(self):
        card_1 = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        card_2 = self.Card.create(
            {
                "program_id": self.program_discount.id,
                "partner_id": self.other_customer.id,
            }
        )
        self.assertTrue(card_1.name.startswith("B2B-"))
        self.assertNotEqual(card_1.name, card_2.name)
        other_company = self._setup_second_company()["company"]
        program_b = self.Program.with_company(other_company).create(
            {
                "name": "B discount",
                "program_type": "discount",
                "discount_percent": 5,
                "company_id": other_company.id,
            }
        )
        card_b = self.Card.with_company(other_company).create(
            {"program_id": program_b.id, "partner_id": self.customer.id}
        )
        self.assertEqual(card_b.company_id, other_company)
        sequence = self.Card._get_card_sequence(other_company)
        self.assertEqual(sequence.company_id, other_company)
        self.assertEqual(card_b.name, "B2B-000001")
        self.assertNotEqual(sequence, self.Card._get_card_sequence(self.company))

    def test_one_active_card_per_program_and_company(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        with self.assertRaises(ValidationError):
            self.Card.create(
                {"program_id": self.program_discount.id, "partner_id": self.contact.id}
            )
        # A blocked card leaves room for a new one; it cannot come back while
        # the new one is active.
        card.action_block()
        self.assertEqual(card.state, "blocked")
        new_card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        with self.assertRaises(ValidationError):
            card.action_activate()
        self.assertEqual(new_card.state, "active")
        # Another program is another card.
        self.Card.create(
            {"program_id": self.program_stamp.id, "partner_id": self.customer.id}
        )
        self.assertEqual(len(self.customer.b2b_card_ids), 3)

    @mute_logger("odoo.sql_db")
    def test_active_card_unique_index(self):
        self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        with self.assertRaises(UniqueViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                "INSERT INTO loyalty_b2b_card "
                "(name, program_id, partner_id, company_id, state, issue_date) "
                "VALUES ('X', %s, %s, %s, 'active', CURRENT_DATE)",
                [self.program_discount.id, self.customer.id, self.company.id],
            )

    def test_partner_tag_eligibility(self):
        self.program_discount.partner_category_ids = self.tag_dealer
        with self.assertRaises(ValidationError):
            self.Card.create(
                {"program_id": self.program_discount.id, "partner_id": self.customer.id}
            )
        self.customer.category_id = self.tag_dealer
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.contact.id}
        )
        self.assertEqual(card.partner_id, self.customer)

    def test_effective_percentages(self):
        discount = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        self.assertEqual(discount.discount_percent, 10)
        self.assertFalse(discount.tier_id)
        accumulative = self.Card.create(
            {"program_id": self.program_accumulative.id, "partner_id": self.customer.id}
        )
        self.assertEqual(accumulative.tier_id.name, "Silver")
        self.assertEqual(accumulative.discount_percent, 3)
        cashback = self.Card.create(
            {"program_id": self.program_cashback.id, "partner_id": self.customer.id}
        )
        self.assertEqual(cashback.cashback_percent, 2)
        self.assertEqual(cashback.discount_percent, 0)
        self.program_discount.discount_percent = 12.5
        self.assertEqual(discount.discount_percent, 12.5)

    def test_tier_from_spend(self):
        card = self.Card.create(
            {"program_id": self.program_accumulative.id, "partner_id": self.customer.id}
        )
        card.spent_amount = 9999.99
        self.assertEqual(card.tier_id.name, "Silver")
        card.spent_amount = 10000.0
        self.assertEqual(card.tier_id.name, "Gold")
        self.assertEqual(card.discount_percent, 7)
        # More refunds than invoices in the window: still the entry tier.
        card.spent_amount = -200.0
        self.assertEqual(card.tier_id.name, "Silver")
        self.assertEqual(card.discount_percent, 3)

    def test_active_cards_lookup(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        stamp = self.Card.create(
            {"program_id": self.program_stamp.id, "partner_id": self.customer.id}
        )
        self.program_stamp.date_to = "2020-01-01"
        self.assertEqual(self.Card._get_active_cards(self.contact), card)
        stamp.action_block()
        self.program_stamp.date_to = False
        self.assertEqual(self.Card._get_active_cards(self.contact), card)

    def test_cron_expires_cards_of_ended_programs(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        running = self.Card.create(
            {"program_id": self.program_stamp.id, "partner_id": self.customer.id}
        )
        self.program_discount.date_to = "2020-12-31"
        self.program_stamp.date_to = "2999-12-31"
        self.Card._cron_expire_cards()
        self.assertEqual(card.state, "expired")
        self.assertEqual(running.state, "active")
        self.assertEqual(
            self.env.ref("loyalty_b2b.ir_cron_expire_cards").model_id.model,
            "loyalty.b2b.card",
        )


@tagged("post_install", "-at_install")
class TestCardLedgerTotals(LoyaltyB2bCommon):
    """Cashback balance and stamps are summed from the ledger, never stored:
    read, searched and filtered on like stored fields."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.third_customer = cls.env["res.partner"].create(
            {"name": "Initech Supplies", "is_company": True}
        )
        cls.program_quick_stamps = cls.Program.create(
            {
                "name": "Quick Stamps",
                "program_type": "stamp",
                "stamps_required": 1,
                "stamp_reward_product_id": cls.product_training.id,
            }
        )
        cls.cashback_positive = cls._create_card(cls.program_cashback, cls.customer)
        cls.cashback_spent = cls._create_card(cls.program_cashback, cls.other_customer)
        cls.cashback_negative = cls._create_card(
            cls.program_cashback, cls.third_customer
        )
        cls.stamp_ready = cls._create_card(cls.program_stamp, cls.customer)
        cls.stamp_missing_one = cls._create_card(cls.program_stamp, cls.other_customer)
        cls.stamp_empty = cls._create_card(cls.program_stamp, cls.third_customer)
        cls.quick_ready = cls._create_card(cls.program_quick_stamps, cls.other_customer)
        # No ledger entry at all: sums to 0.
        cls.discount_card = cls._create_card(cls.program_discount, cls.customer)
        cls._add_ledger(cls.cashback_positive, amount=50.0)
        cls._add_ledger(cls.cashback_spent, amount=30.0)
        cls._add_ledger(cls.cashback_spent, amount=-30.0)
        # Below zero only by a clawback: 10.00 granted, spent, then cancelled.
        granted = cls._add_ledger(cls.cashback_negative, amount=10.0)
        cls._add_ledger(cls.cashback_negative, amount=-10.0)
        granted._cancel_entries()
        cls._add_ledger(cls.stamp_ready, stamps=2)
        cls._add_ledger(cls.stamp_ready, stamps=1)
        cls._add_ledger(cls.stamp_missing_one, stamps=2)
        cls._add_ledger(cls.quick_ready, stamps=1)
        cls.cards = (
            cls.cashback_positive
            | cls.cashback_spent
            | cls.cashback_negative
            | cls.stamp_ready
            | cls.stamp_missing_one
            | cls.stamp_empty
            | cls.quick_ready
            | cls.discount_card
        )

    def _search(self, domain):
        return self.Card.search([*domain, ("id", "in", self.cards.ids)])

    def test_totals_read_from_the_ledger(self):
        self.assertRecordValues(
            self.cards,
            [
                {"cashback_balance": 50.0, "stamp_count": 0},
                {"cashback_balance": 0.0, "stamp_count": 0},
                {"cashback_balance": -10.0, "stamp_count": 0},
                {"cashback_balance": 0.0, "stamp_count": 3},
                {"cashback_balance": 0.0, "stamp_count": 2},
                {"cashback_balance": 0.0, "stamp_count": 0},
                {"cashback_balance": 0.0, "stamp_count": 1},
                {"cashback_balance": 0.0, "stamp_count": 0},
            ],
        )
        self.assertEqual(
            self.cards.filtered("is_stamp_reward_ready"),
            self.stamp_ready | self.quick_ready,
        )

    def test_search_cashback_balance(self):
        self.assertEqual(
            self._search([("cashback_balance", ">", 0)]), self.cashback_positive
        )
        self.assertEqual(
            self._search([("cashback_balance", "<", 0)]), self.cashback_negative
        )
        # Spent to zero, never earned, or no ledger entry at all.
        self.assertEqual(
            self._search([("cashback_balance", "=", 0)]),
            self.cards - self.cashback_positive - self.cashback_negative,
        )
        self.assertEqual(
            self._search([("cashback_balance", "=", False)]),
            self.cards - self.cashback_positive - self.cashback_negative,
        )
        self.assertEqual(
            self._search([("cashback_balance", "!=", 0)]),
            self.cashback_positive | self.cashback_negative,
        )
        self.assertEqual(
            self._search([("cashback_balance", ">=", 50)]), self.cashback_positive
        )
        self.assertEqual(
            self._search(
                [
                    ("cashback_balance", "<=", 0),
                    ("program_id.program_type", "=", "cashback"),
                ]
            ),
            self.cashback_spent | self.cashback_negative,
        )

    def test_search_stamp_count(self):
        self.assertEqual(
            self._search([("stamp_count", ">=", 2)]),
            self.stamp_ready | self.stamp_missing_one,
        )
        self.assertEqual(self._search([("stamp_count", "=", 1)]), self.quick_ready)
        self.assertEqual(
            self._search([("stamp_count", "=", 0)]),
            self.cards - self.stamp_ready - self.stamp_missing_one - self.quick_ready,
        )
        self.assertFalse(self._search([("stamp_count", ">", 3)]))

    def test_search_agrees_with_the_computed_totals(self):
        operators = {
            "=": operator.eq,
            "!=": operator.ne,
            "<": operator.lt,
            "<=": operator.le,
            ">": operator.gt,
            ">=": operator.ge,
        }
        for fname, values in (
            ("cashback_balance", (-10.0, 0.0, 25.0, 50.0)),
            ("stamp_count", (0, 1, 2, 3)),
        ):
            for symbol, compare in operators.items():
                for value in values:
                    with self.subTest(field=fname, operator=symbol, value=value):
                        self.assertEqual(
                            self._search([(fname, symbol, value)]),
                            self.cards.filtered(
                                lambda card, f=fname, c=compare, v=value: c(card[f], v)
                            ),
                        )

    def test_search_stamp_reward_ready(self):
        ready = self.stamp_ready | self.quick_ready
        # Each card against its own program's number of stamps.
        self.assertEqual(self._search([("is_stamp_reward_ready", "=", True)]), ready)
        self.assertEqual(self._search([("is_stamp_reward_ready", "!=", False)]), ready)
        # Cards of other programs are never ready.
        self.assertEqual(
            self._search([("is_stamp_reward_ready", "=", False)]), self.cards - ready
        )
        self.assertEqual(
            self._search([("is_stamp_reward_ready", "!=", True)]), self.cards - ready
        )
        # Whatever stamps_required says on a program that is not a stamp program.
        self.program_discount.stamps_required = 0
        self.assertFalse(self.discount_card.is_stamp_reward_ready)
        # Written to the database for the search's SQL (see the next test).
        self.env.flush_all()
        self.assertEqual(self._search([("is_stamp_reward_ready", "=", True)]), ready)

    def test_search_stamp_reward_ready_after_a_program_change(self):
        """The threshold is the program's as the ORM knows it, written to the
        database yet or not: the search must flush what its SQL reads."""
        self.program_stamp.stamps_required = 2
        self.assertTrue(self.stamp_missing_one.is_stamp_reward_ready)
        self.assertEqual(
            self._search([("is_stamp_reward_ready", "=", True)]),
            self.stamp_ready | self.stamp_missing_one | self.quick_ready,
        )

    def test_unsupported_search_operators(self):
        for domain in (
            [("cashback_balance", "in", [0.0, 50.0])],
            [("stamp_count", "not in", [1])],
            [("stamp_count", "like", "1")],
            [("is_stamp_reward_ready", "in", [True])],
            [("is_stamp_reward_ready", "=", "yes")],
        ):
            with self.subTest(domain=domain), self.assertRaises(UserError):
                self.Card.search(domain)

    def test_search_view_filters(self):
        arch = self.Card.get_views([(False, "search")])["views"]["search"]["arch"]
        search = etree.fromstring(arch)
        for name, expected in (
            ("cashback_to_spend", self.cashback_positive),
            ("stamp_reward_ready", self.stamp_ready | self.quick_ready),
        ):
            with self.subTest(filter=name):
                [view_filter] = search.xpath(f"//filter[@name='{name}']")
                domain = safe_eval(view_filter.get("domain"))
                self.assertEqual(self._search(domain), expected)

    def test_list_view_totals(self):
        """The list sums the balances of the cards it shows (in the browser);
        grouped, it asks the server no total of the balance, which it cannot
        compute in SQL."""
        views = self.Card.get_views([(False, "list")])
        arch = etree.fromstring(views["views"]["list"]["arch"])
        [balance] = arch.xpath("//field[@name='cashback_balance']")
        self.assertEqual(balance.get("sum"), "Total")
        list_fields = arch.xpath("//field/@name")
        aggregates = [
            f"{fname}:{description['aggregator']}"
            for fname, description in self.Card.fields_get(
                list_fields, ["aggregator"]
            ).items()
            if description.get("aggregator")
        ]
        self.assertNotIn("cashback_balance:sum", aggregates)
        groups = self.Card.web_read_group(
            [("id", "in", self.cards.ids)], aggregates, ["program_id"]
        )
        self.assertEqual(groups["length"], 4)

    def test_totals_follow_the_ledger_without_writing_the_card(self):
        stamp_card, cashback_card = self.stamp_missing_one, self.cashback_positive
        self.assertFalse(stamp_card.is_stamp_reward_ready)
        self.assertEqual(cashback_card.cashback_balance, 50.0)
        self.env.flush_all()
        row_versions = self._row_versions(stamp_card | cashback_card)
        # Earning a stamp or cashback inserts a ledger row, and nothing else.
        self._add_ledger(stamp_card, stamps=1)
        self._add_ledger(cashback_card, amount=25.0)
        self.env.flush_all()
        self.assertEqual(stamp_card.stamp_count, 3)
        self.assertTrue(stamp_card.is_stamp_reward_ready)
        self.assertEqual(cashback_card.cashback_balance, 75.0)
        self.assertEqual(
            self._search([("is_stamp_reward_ready", "=", True)]),
            self.stamp_ready | stamp_card | self.quick_ready,
        )
        self.assertEqual(self._search([("cashback_balance", ">", 60)]), cashback_card)
        self.assertEqual(self._row_versions(stamp_card | cashback_card), row_versions)
        # Rows another transaction inserted: the cache knows nothing of them,
        # the next request (a fresh cache) reads them.
        for card, amount, stamps in ((stamp_card, 0.0, -3), (cashback_card, -75.0, 0)):
            self.env.cr.execute(
                SQL(
                    """INSERT INTO loyalty_b2b_transaction
                           (card_id, program_id, partner_id, company_id, date,
                            kind, amount, stamps)
                       VALUES (%s, %s, %s, %s, CURRENT_DATE, 'adjust', %s, %s)""",
                    card.id,
                    card.program_id.id,
                    card.partner_id.id,
                    card.company_id.id,
                    amount,
                    stamps,
                )
            )
        self.env.invalidate_all()
        self.assertEqual(stamp_card.stamp_count, 0)
        self.assertFalse(stamp_card.is_stamp_reward_ready)
        self.assertEqual(cashback_card.cashback_balance, 0.0)
        self.assertFalse(self._search([("cashback_balance", ">", 0)]))
        self.assertEqual(self._row_versions(stamp_card | cashback_card), row_versions)

    def _row_versions(self, cards):
        """Physical location of the cards' rows: any UPDATE moves a row."""
        self.env.cr.execute(
            SQL(
                "SELECT id, ctid FROM loyalty_b2b_card WHERE id IN %s",
                tuple(cards.ids),
            )
        )
        return dict(self.env.cr.fetchall())
