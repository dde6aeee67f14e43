from statistics import mean

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from ..models.control_group_rules import assign_deciles, draw_control_group
from .test_sale_common import LoyaltyB2bSaleCommon

# Tolerance of the matching: the mean spend of the control group is within
# this share of the pilot's (the per-decile counts are equal).
MEAN_SPEND_TOLERANCE = 0.2


@tagged("post_install", "-at_install")
class TestPilotControlGroup(LoyaltyB2bSaleCommon):
    """A program in pilot runs for its pilot companies only; its control group
    is drawn from the other eligible companies, matched by spend decile."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 60 dealers: the first 6 bought nothing, the others 1,000 to 54,000,
        # within the programs' 12-month spend window.
        cls.dealers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Dealer {index:02d}",
                    "is_company": True,
                    "category_id": [Command.set(cls.tag_dealer.ids)],
                }
                for index in range(60)
            ]
        )
        cls.spend = {
            dealer: 1000.0 * (index - 5) if index >= 6 else 0.0
            for index, dealer in enumerate(cls.dealers)
        }
        cls.retailer = cls.env["res.partner"].create(
            {"name": "Big Retailer", "is_company": True}
        )
        cls.spend[cls.retailer] = 90000.0
        date = fields.Date.today() - relativedelta(months=1)
        moves = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": date,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Goods", "price_unit": amount, "tax_ids": []}
                        )
                    ],
                }
                for partner, amount in cls.spend.items()
                if amount
            ]
        )
        moves.action_post()
        cls.program = cls.program_discount
        cls.program.partner_category_ids = cls.tag_dealer
        # A dealer already holding a card before the pilot.
        cls.holder = cls.dealers[40]
        cls.holder_card = cls.Card.create(
            {"program_id": cls.program.id, "partner_id": cls.holder.id}
        )
        # Ten pilot dealers across the whole range of spend.
        cls.pilot = cls.dealers[3::6]
        cls.program.write(
            {"pilot_partner_ids": [Command.set(cls.pilot.ids)], "control_seed": 42}
        )
        cls.program.action_start_pilot()

    def _card(self, partner):
        return self.Card.create(
            {"program_id": self.program.id, "partner_id": partner.id}
        )

    def test_only_pilot_companies_get_cards(self):
        self.assertEqual(self._card(self.pilot[0]).partner_id, self.pilot[0])
        other = self.dealers[4]
        self.assertNotIn(other, self.pilot)
        with self.assertRaisesRegex(ValidationError, "not eligible for program"):
            self._card(other)
        self.assertEqual(
            self.program._filter_eligible_partners(self.dealers), self.pilot
        )
        # The card issued before the pilot no longer applies during it.
        self.assertFalse(self.Card._get_active_cards(self.holder))

    def test_automatic_enrolment_during_the_pilot(self):
        self.program.enrolment = "automatic"
        orders = self._create_order(self.pilot[1]) | self._create_order(self.dealers[4])
        orders.action_confirm()
        self.assertEqual(orders[0].b2b_card_ids.program_id, self.program)
        self.assertFalse(orders[1].b2b_card_ids)
        self.program.action_roll_out()
        order = self._create_order(self.dealers[4])
        order.action_confirm()
        self.assertEqual(order.b2b_card_ids.program_id, self.program)

    def test_pilot_tags(self):
        tag_pilot = self.env["res.partner.category"].create({"name": "Pilot"})
        self.dealers[4].category_id |= tag_pilot
        self.retailer.category_id |= tag_pilot
        self.program.pilot_category_ids = tag_pilot
        self.assertEqual(
            self.program._filter_eligible_partners(self.dealers | self.retailer),
            self.pilot | self.dealers[4],
        )
        self.assertEqual(
            self.program._get_pilot_companies(), self.pilot | self.dealers[4]
        )

    def test_pilot_companies_must_be_eligible(self):
        with self.assertRaisesRegex(ValidationError, "Big Retailer"):
            self.program.pilot_partner_ids |= self.retailer
        with self.assertRaisesRegex(ValidationError, "pilot companies"):
            self.program.pilot_partner_ids = False

    def test_bad_filter_of_a_pilot_program_is_refused_clearly(self):
        with self.assertRaisesRegex(ValidationError, "not a valid partner domain"):
            self.program.partner_domain = "[('ref', '=']"

    def _count_draw_queries(self):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.program.action_draw_control_group()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_draw_queries_do_not_grow_with_the_companies(self):
        self.program.action_draw_control_group()
        queries = self._count_draw_queries()
        self.env["res.partner"].create(
            [
                {
                    "name": f"New dealer {index}",
                    "is_company": True,
                    "category_id": [Command.set(self.tag_dealer.ids)],
                }
                for index in range(40)
            ]
        )
        self.program.action_draw_control_group()
        # 40 more candidates, no more queries (the chatter and the members
        # replaced vary by a few, never by the number of companies).
        self.assertLessEqual(self._count_draw_queries(), queries)

    def test_draw_is_reproducible_with_its_seed(self):
        self.program.action_draw_control_group()
        first = self.program.control_member_ids.partner_id
        self.assertEqual(self.program.control_draw_date, fields.Date.today())
        self.program.action_draw_control_group()
        self.assertEqual(self.program.control_member_ids.partner_id, first)
        self.program.control_seed = 7
        self.program.action_draw_control_group()
        self.assertNotEqual(self.program.control_member_ids.partner_id, first)
        self.program.control_seed = 42
        self.program.action_draw_control_group()
        self.assertEqual(self.program.control_member_ids.partner_id, first)

    def test_control_group_matches_the_pilot(self):
        for seed in (42, 7, 123456):
            self.program.control_seed = seed
            self.program.action_draw_control_group()
            members = self.program.control_member_ids
            self.assertEqual(len(members), len(self.pilot))
            # Neither a pilot company, nor a card holder, nor outside the segment.
            self.assertFalse(members.partner_id & self.pilot)
            self.assertNotIn(self.holder, members.partner_id)
            self.assertNotIn(self.retailer, members.partner_id)
            # Spend and deciles stored as at the draw.
            for member in members:
                self.assertEqual(member.spend_amount, self.spend[member.partner_id])
            pilot, _candidates, _spend, deciles = self.program._get_control_strata(
                fields.Date.today()
            )
            self.assertEqual(pilot, self.pilot)
            self.assertEqual(
                sorted(deciles[partner.id] for partner in self.pilot),
                sorted(members.mapped("decile")),
            )
            for member in members:
                self.assertEqual(member.decile, deciles[member.partner_id.id])
            pilot_mean = mean(self.spend[partner] for partner in self.pilot)
            control_mean = mean(members.mapped("spend_amount"))
            self.assertAlmostEqual(
                control_mean, pilot_mean, delta=pilot_mean * MEAN_SPEND_TOLERANCE
            )

    def test_control_companies_do_not_get_the_program(self):
        self.program.action_draw_control_group()
        control = self.program.control_member_ids.partner_id
        self.assertFalse(self.program._filter_eligible_partners(control))
        with self.assertRaisesRegex(ValidationError, "not eligible for program"):
            self._card(control[0])
        # A control company cannot become a pilot company without a new draw.
        with self.assertRaisesRegex(ValidationError, "draw the control group again"):
            self.program.pilot_partner_ids |= control[0]

    def test_roll_out_opens_the_segment_and_keeps_the_control_group(self):
        self.program.action_draw_control_group()
        members = self.program.control_member_ids
        control = members.partner_id
        # Records created in this transaction are not tracked until it is
        # flushed, as Odoo does before a commit.
        self.env.cr.flush()
        self.program.with_context(
            tracking_disable=False, mail_notrack=False
        ).action_roll_out()
        self.assertEqual(self.program.pilot_state, "rolled_out")
        self.assertEqual(self.program.rollout_date, fields.Date.today())
        self.assertIn("Pilot ended on", self.program.message_ids[0].body)
        self.env.cr.flush()
        tracked = self.program.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("pilot_state", tracked)
        self.assertIn("rollout_date", tracked)
        self.assertEqual(self.program.control_member_ids, members)
        # The whole segment, control companies included, now gets the program.
        self.assertEqual(
            self.program._filter_eligible_partners(self.dealers | self.retailer),
            self.dealers,
        )
        self.assertEqual(self._card(control[0]).partner_id, control[0])
        self.assertEqual(self.Card._get_active_cards(self.holder), self.holder_card)
        # The comparison stays as it was.
        with self.assertRaises(UserError):
            self.program.action_draw_control_group()
        with self.assertRaises(UserError):
            self.program.control_seed = 1
        with self.assertRaises(UserError):
            self.program.pilot_partner_ids |= self.dealers[4]
        with self.assertRaises(UserError):
            members[0].unlink()
        with self.assertRaises(UserError):
            self.program.action_roll_out()


@tagged("post_install", "-at_install")
class TestControlGroupRules(TransactionCase):
    """The draw as a pure rule."""

    def test_deciles(self):
        spend = {index: float(index) for index in range(1, 21)}
        spend.update({100: 0.0, 101: -50.0})
        deciles = assign_deciles(spend)
        self.assertEqual(deciles[100], 0)
        self.assertEqual(deciles[101], 0)
        self.assertEqual([deciles[index] for index in (1, 2, 3)], [1, 1, 2])
        self.assertEqual([deciles[index] for index in (19, 20)], [10, 10])

    def test_neighbouring_deciles_fill_a_short_decile(self):
        pilot = {1: 5, 2: 5, 3: 5}
        candidates = {10: 5, 11: 4, 12: 6, 13: 9}
        drawn = draw_control_group(pilot, candidates, seed=3)
        self.assertEqual(sorted(key for key, _decile in drawn), [10, 11, 12])
        self.assertIn((10, 5), drawn)

    def test_small_pool_gives_all_candidates(self):
        drawn = draw_control_group({1: 2, 2: 3, 3: 8}, {10: 1, 11: 10}, seed=5)
        self.assertEqual(sorted(key for key, _decile in drawn), [10, 11])

    def test_same_seed_same_draw(self):
        pilot = {index: index % 10 + 1 for index in range(10)}
        candidates = {100 + index: index % 10 + 1 for index in range(50)}
        self.assertEqual(
            draw_control_group(pilot, candidates, 11),
            draw_control_group(pilot, dict(reversed(candidates.items())), 11),
        )
        self.assertNotEqual(
            draw_control_group(pilot, candidates, 11),
            draw_control_group(pilot, candidates, 12),
        )
