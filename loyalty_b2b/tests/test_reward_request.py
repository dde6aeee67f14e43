from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import LoyaltyB2bCommon


class RewardCommon(LoyaltyB2bCommon):
    """A cashback card holding 200.00 and a stamp card holding 7 stamps, with
    a catalogue on each program."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Reward = cls.env["loyalty.b2b.reward"]
        cls.Request = cls.env["loyalty.b2b.reward.request"]
        cls.product_seminar = cls._create_product(
            name="Business seminar", type="service", lst_price=300.0
        )
        cls.tier_base, cls.tier_plus = cls.program_cashback.tier_ids.sorted(
            "min_amount"
        )
        cls.cashback_card = cls._create_card(cls.program_cashback)
        cls.stamp_card = cls._create_card(cls.program_stamp)
        cls._add_ledger(cls.cashback_card, amount=200.0)
        cls._add_ledger(cls.stamp_card, stamps=7)
        cls.seminar = cls.Reward.create(
            {
                "name": "Seminar seat",
                "program_id": cls.program_cashback.id,
                "reward_type": "service",
                "product_id": cls.product_seminar.id,
                "cost_amount": 120.0,
            }
        )
        cls.training = cls.Reward.create(
            {
                "name": "Training seat",
                "program_id": cls.program_stamp.id,
                "reward_type": "service",
                "product_id": cls.product_training.id,
                "cost_stamps": 5,
            }
        )

    def _request(self, reward, card, **vals):
        return self.Request.create({"reward_id": reward.id, "card_id": card.id, **vals})

    def _reserved(self, card):
        card.invalidate_recordset()
        return card.cashback_reserved, card.stamps_reserved


@tagged("post_install", "-at_install")
class TestRewardCatalogue(RewardCommon):
    def test_stamp_program_reward_is_catalogue_entry(self):
        """A stamp program's reward is the first entry of its catalogue, and
        follows the program's product and stamps both ways."""
        reward = self.program_stamp.stamp_reward_id
        self.assertEqual(reward.program_id, self.program_stamp)
        self.assertEqual(reward.product_id, self.product_training)
        self.assertEqual(reward.cost_stamps, 3)
        self.assertEqual(reward.name, "Training day")
        self.assertEqual(reward.reward_type, "service")
        self.program_stamp.stamps_required = 4
        self.assertEqual(reward.cost_stamps, 4)
        self.program_stamp.stamp_reward_product_id = self.product_seminar
        self.assertEqual(reward.product_id, self.product_seminar)
        reward.cost_stamps = 6
        self.assertEqual(self.program_stamp.stamps_required, 6)
        self.assertEqual(self.program_stamp.reward_count, 2)

    def test_migration_creates_stamp_rewards(self):
        """The 18.0.1.5.0 migration gives existing stamp programs their
        catalogue entry, once."""
        migration = __import__(
            "odoo.addons.loyalty_b2b.migrations", fromlist=["x"]
        ).__path__[0]
        namespace = {}
        with open(f"{migration}/18.0.1.5.0/post-migrate.py") as script:
            exec(compile(script.read(), script.name, "exec"), namespace)  # noqa: S102
        old = self.program_stamp.stamp_reward_id
        self.program_stamp.stamp_reward_id = False
        old.unlink()
        namespace["migrate"](self.env.cr, "18.0.1.4.0")
        self.env.invalidate_all()
        reward = self.program_stamp.stamp_reward_id
        self.assertTrue(reward)
        self.assertEqual(
            (reward.product_id, reward.cost_stamps), (self.product_training, 3)
        )
        namespace["migrate"](self.env.cr, "18.0.1.4.0")
        self.env.invalidate_all()
        self.assertEqual(
            self.Reward.search_count([("program_id", "=", self.program_stamp.id)]), 2
        )

    def _assert_refused(self, record, vals, message):
        """Writing ``vals`` on ``record`` is refused with ``message``, and
        leaves nothing behind."""
        with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
            record.write(vals)
        self.env.invalidate_all()

    def test_cost_rules(self):
        self._assert_refused(
            self.seminar, {"cost_amount": 0.0}, "positive amount of cashback"
        )
        self._assert_refused(self.training, {"cost_stamps": 0}, "at least one stamp")
        with self.assertRaisesRegex(ValidationError, "only cashback and stamp"):
            self.Reward.create(
                {
                    "name": "Gift",
                    "program_id": self.program_discount.id,
                    "product_id": self.product_seminar.id,
                }
            )
        self._assert_refused(
            self.seminar, {"cost_amount": float("nan")}, "must be a finite number"
        )
        self._assert_refused(
            self.seminar,
            {"reward_type": "voucher", "voucher_value": 100.0},
            "worth its cost",
        )
        self._assert_refused(
            self.seminar,
            {"reward_type": "voucher", "voucher_type": "percent", "voucher_value": 5},
            "not a percentage",
        )
        self._assert_refused(
            self.training, {"tier_ids": self.tier_plus.ids}, "tiers of its own program"
        )
        self._assert_refused(
            self.training,
            {"date_from": "2026-05-02", "date_to": "2026-05-01"},
            "cannot end before",
        )
        self.seminar.write({"reward_type": "voucher", "voucher_value": 120.0})
        self.assertEqual(self.seminar.voucher_type, "fixed")


@tagged("post_install", "-at_install")
class TestRewardRequest(RewardCommon):
    def test_approve_reserves_cashback(self):
        request = self._request(self.seminar, self.cashback_card)
        self.assertEqual(request.state, "requested")
        self.assertEqual(request.cost_amount, 120.0)
        self.assertEqual(self._reserved(self.cashback_card), (0.0, 0))
        request.action_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(self._reserved(self.cashback_card), (120.0, 0))
        card = self.cashback_card
        # The balance (and the liability) does not move: only what is free.
        self.assertEqual(card.cashback_balance, 200.0)
        self.assertEqual(card.cashback_available, 80.0)
        hold = request.hold_entry_id
        self.assertEqual(
            (hold.kind, hold.amount, hold.reserved_amount, hold.move_id.id),
            ("reserve", 0.0, 120.0, False),
        )
        # A later order cannot spend what is reserved.
        with self.assertRaisesRegex(UserError, "only .*80.00 is available"):
            order = self.env["sale.order"].create(
                {
                    "partner_id": self.customer.id,
                    "b2b_card_id": card.id,
                    "order_line": [
                        Command.create({"product_id": self.product_drill.id})
                    ],
                }
            )
            order.b2b_apply_cashback(100.0, card)

    def test_approve_reserves_stamps_and_stamp_card_reward(self):
        request = self._request(self.training, self.stamp_card)
        request.action_approve()
        card = self.stamp_card
        self.assertEqual(self._reserved(card), (0.0, 5))
        self.assertEqual((card.stamp_count, card.stamps_available), (7, 2))
        # The quotation's own reward (3 stamps) may not take held stamps.
        self.assertFalse(card.is_stamp_reward_ready)
        self.assertNotIn(card, self.Card.search([("is_stamp_reward_ready", "=", True)]))

    def test_statement_lists_no_reservation(self):
        """Reservations move no balance: the statement lists what did."""
        request = self._request(self.training, self.stamp_card)
        request.action_approve()
        request.action_cancel()
        data = self.stamp_card._get_statement_data("2000-01-01", "2099-12-31")
        self.assertEqual([line["entry"].kind for line in data["lines"]], ["adjust"])
        self.assertEqual((data["total_in"], data["closing_balance"]), (7, 7))

    def test_reject_and_cancel_release(self):
        first = self._request(self.training, self.stamp_card)
        first.action_approve()
        first.action_reject("The training is full.")
        self.assertEqual(first.state, "rejected")
        self.assertEqual(first.reject_reason, "The training is full.")
        self.assertEqual(self._reserved(self.stamp_card), (0.0, 0))
        kinds = first.transaction_ids.sorted("id").mapped(
            lambda entry: (entry.kind, entry.reserved_stamps)
        )
        self.assertEqual(kinds, [("reserve", 5), ("release", -5)])
        second = self._request(self.training, self.stamp_card)
        second.action_approve()
        second.action_cancel()
        self.assertEqual(second.state, "cancelled")
        self.assertEqual(self._reserved(self.stamp_card), (0.0, 0))
        self.assertEqual(self.stamp_card.stamps_available, 7)
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            second.action_cancel()
        # A request only waiting for approval held nothing.
        third = self._request(self.training, self.stamp_card)
        third.action_cancel()
        self.assertFalse(third.transaction_ids)

    def test_reject_wizard(self):
        request = self._request(self.seminar, self.cashback_card)
        request.action_approve()
        action = request.action_open_reject_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"reason": "The seminar is full."})
        )
        wizard.action_reject()
        self.assertEqual(
            (request.state, request.reject_reason), ("rejected", "The seminar is full.")
        )
        self.assertEqual(self._reserved(self.cashback_card), (0.0, 0))
        self.assertEqual(request._get_cost_label(), self.seminar._get_cost_label())

    def test_card_cannot_pay(self):
        self._request(self.training, self.stamp_card).action_approve()
        with self.assertRaisesRegex(
            ValidationError, "2 free stamps.*needs 5 \\(3 more\\)"
        ):
            self._request(self.training, self.stamp_card)
        with self.assertRaisesRegex(ValidationError, "costs"):
            self.seminar.cost_amount = 250.0
            self._request(self.seminar, self.cashback_card)

    def test_ledger_refuses_reservation_beyond_free_balance(self):
        """Whoever writes the reservation, the ledger checks it."""
        request = self._request(self.training, self.stamp_card)
        with self.assertRaisesRegex(UserError, "cannot pay 8 stamps"):
            self.Transaction.sudo().create(
                {
                    "card_id": self.stamp_card.id,
                    "kind": "reserve",
                    "reserved_stamps": 8,
                    "reward_request_id": request.id,
                }
            )
        with self.assertRaisesRegex(ValidationError, "moves no balance"):
            self.Transaction.sudo().create(
                {
                    "card_id": self.stamp_card.id,
                    "kind": "reserve",
                    "stamps": -1,
                    "reserved_stamps": 1,
                    "reward_request_id": request.id,
                }
            )
        with self.assertRaisesRegex(ValidationError, "Only reservation entries"):
            self.Transaction.sudo().create(
                {
                    "card_id": self.stamp_card.id,
                    "kind": "adjust",
                    "stamps": 1,
                    "reserved_stamps": 1,
                }
            )

    def test_tier_reserved(self):
        self.seminar.tier_ids = self.tier_plus
        self.assertEqual(self.cashback_card.tier_id, self.tier_base)
        with self.assertRaisesRegex(ValidationError, "reserved to the tiers Plus"):
            self._request(self.seminar, self.cashback_card)
        self.assertFalse(self.seminar._is_visible_to(self.cashback_card))
        self.seminar.tier_teaser = True
        self.assertTrue(self.seminar._is_visible_to(self.cashback_card))

    @freeze_time("2026-05-20")
    def test_limit_per_company_and_period(self):
        self.training.write({"limit_count": 1, "limit_period": "quarter"})
        self.stamp_card.invalidate_recordset()
        with freeze_time("2026-03-31"):
            march = self._request(self.training, self.stamp_card)
        self.assertEqual(str(march.request_date), "2026-03-31")
        # Another quarter: allowed once.
        first = self._request(self.training, self.stamp_card)
        with (
            self.assertRaisesRegex(ValidationError, "1 times this period"),
            self.env.cr.savepoint(),
        ):
            self._request(self.training, self.stamp_card)
        # Rejected requests do not count.
        first.action_reject("No")
        self._request(self.training, self.stamp_card)
        # Another company has its own limit.
        other_card = self._create_card(self.program_stamp, self.other_customer)
        self._add_ledger(other_card, stamps=5)
        self._request(self.training, other_card)

    def test_stock(self):
        self.training.write({"has_stock": True, "stock_quantity": 1})
        other_card = self._create_card(self.program_stamp, self.other_customer)
        self._add_ledger(other_card, stamps=5)
        first = self._request(self.training, self.stamp_card)
        second = self._request(self.training, other_card)
        self.assertEqual(self.training.stock_left, 1)
        first.action_approve()
        self.training.invalidate_recordset()
        self.assertEqual(self.training.stock_left, 0)
        with self.assertRaisesRegex(UserError, "out of stock: all 1 were given"):
            second.action_approve()
        first.action_cancel()
        second.action_approve()
        self.assertEqual(second.state, "approved")

    def test_availability_and_card_state(self):
        self.training.date_to = "2020-01-01"
        with self.assertRaisesRegex(ValidationError, "not available today"):
            self._request(self.training, self.stamp_card)
        self.training.date_to = False
        with self.assertRaisesRegex(ValidationError, "belongs to program"):
            self._request(self.seminar, self.stamp_card)
        self.stamp_card.state = "blocked"
        with self.assertRaisesRegex(ValidationError, "is not active"):
            self._request(self.training, self.stamp_card)

    def test_frozen_after_approval_and_activity(self):
        salesperson = self.env.user
        self.customer.user_id = salesperson
        request = self._request(self.training, self.stamp_card)
        self.assertEqual(request.user_id, salesperson)
        self.assertEqual(
            request.activity_ids.mapped("summary"), ["Review the reward request"]
        )
        request.action_approve()
        self.assertFalse(request.activity_ids)
        with self.assertRaisesRegex(UserError, "cannot change"):
            request.cost_stamps = 1
        with self.assertRaisesRegex(UserError, "Only rejected or cancelled"):
            request.unlink()

    def test_requestable_by_role(self):
        director, buyer, accountant = self.env["res.partner"].create(
            [
                {"name": name, "parent_id": self.customer.id, "b2b_loyalty_role": role}
                for name, role in (
                    ("Dora Director", "decision_maker"),
                    ("Bob Buyer", "procurement"),
                    ("Alice Accounts", "accountant"),
                )
            ]
        )
        self.assertTrue(self.training._is_requestable_by(director))
        self.assertTrue(self.training._is_requestable_by(self.customer))
        self.assertFalse(self.training._is_requestable_by(buyer))
        self.assertFalse(self.training._is_requestable_by(accountant))
        self.training.contact_role = "procurement"
        self.assertTrue(self.training._is_requestable_by(buyer))
        self.assertFalse(self.training._is_requestable_by(accountant))
