from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import LoyaltyB2bCommon
from .test_cashback_common import CashbackCommon


@tagged("post_install", "-at_install")
class TestCardNames(LoyaltyB2bCommon):
    """A card's name says its program, tier, benefit and number."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.card_discount = cls._create_card(cls.program_discount)
        cls.card_volume = cls._create_card(cls.program_accumulative)
        cls.card_cashback = cls._create_card(cls.program_cashback)
        cls.card_stamp = cls._create_card(cls.program_stamp)

    def test_name_of_each_program_type(self):
        self.assertEqual(
            self.card_discount.display_name,
            f"Dealer 10% · 10 % ({self.card_discount.name})",
        )
        self.assertEqual(
            self.card_volume.display_name,
            f"Volume · Silver 3 % ({self.card_volume.name})",
        )
        self.assertEqual(
            self.card_cashback.display_name,
            f"Cashback · Base 2 % cashback ({self.card_cashback.name})",
        )
        self.assertEqual(
            self.card_stamp.display_name,
            f"Stamps · 0/3 stamps ({self.card_stamp.name})",
        )
        self._add_ledger(self.card_stamp, stamps=2, kind="stamp")
        self.assertEqual(
            self.card_stamp.display_name,
            f"Stamps · 2/3 stamps ({self.card_stamp.name})",
        )

    def test_name_follows_the_tier(self):
        self.card_volume.spent_amount = 10000.0
        self.assertEqual(self.card_volume.tier_id.name, "Gold")
        self.assertEqual(
            self.card_volume.display_name,
            f"Volume · Gold 7 % ({self.card_volume.name})",
        )
        # A tier that gives nothing is named alone; a card without tier shows
        # its program and number only.
        program = self.Program.create(
            {
                "name": "Starter",
                "program_type": "accumulative",
                "tier_ids": [
                    Command.create({"name": "Entry", "min_amount": 0}),
                    Command.create(
                        {"name": "Pro", "min_amount": 100, "discount_percent": 2.5}
                    ),
                ],
            }
        )
        card = self._create_card(program)
        self.assertEqual(card.display_name, f"Starter · Entry ({card.name})")
        program.tier_ids.filtered(lambda t: t.name == "Entry").min_amount = 50
        card.spent_amount = 10.0
        self.assertFalse(card.tier_id)
        self.assertEqual(card.display_name, f"Starter ({card.name})")
        card.spent_amount = 100.0
        self.assertEqual(card.display_name, f"Starter · Pro 2.5 % ({card.name})")

    def test_name_in_the_reader_language(self):
        self.program_accumulative.with_context(lang="fr_FR").name = "Volume FR"
        silver = self.program_accumulative.tier_ids.filtered(
            lambda t: t.name == "Silver"
        )
        silver.with_context(lang="fr_FR").write(
            {"name": "Argent", "discount_percent": 2.5}
        )
        card_fr = self.card_volume.with_context(lang="fr_FR")
        self.assertEqual(
            card_fr.display_name, f"Volume FR · Argent 2,5 % ({self.card_volume.name})"
        )
        self.assertEqual(
            self.card_volume.display_name,
            f"Volume · Silver 2.5 % ({self.card_volume.name})",
        )

    def test_search_by_number_or_program(self):
        Card = self.Card
        by_number = Card.name_search(self.card_volume.name)
        self.assertEqual(
            by_number, [(self.card_volume.id, self.card_volume.display_name)]
        )
        by_program = dict(Card.name_search("Volume"))
        self.assertIn(self.card_volume.id, by_program)
        self.assertNotIn(self.card_cashback.id, by_program)
        self.assertEqual(
            Card.search([("display_name", "ilike", "Cashback")]), self.card_cashback
        )

    def test_names_of_a_batch_in_constant_queries(self):
        """The names of many cards cost the same queries as those of a few."""
        partners = self.env["res.partner"].create(
            [{"name": f"Customer {index}", "is_company": True} for index in range(6)]
        )
        cards = self.Card.browse()
        for program in (self.program_accumulative, self.program_stamp):
            cards |= self.Card.create(
                [
                    {"program_id": program.id, "partner_id": partner.id}
                    for partner in partners
                ]
            )

        def count_queries(records):
            self.env.invalidate_all()
            records = records.browse(records.ids)
            before = self.env.cr.sql_log_count
            records.mapped("display_name")
            return self.env.cr.sql_log_count - before

        few = cards[:1] | cards[-1:]
        count_queries(cards)  # warm the caches of rules and languages
        self.assertEqual(count_queries(cards), count_queries(few))


@tagged("post_install", "-at_install")
class TestLedgerNames(CashbackCommon):
    """A ledger entry reads "card number · kind · document"."""

    def test_entry_names(self):
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        earned = self._live(invoice)
        self.assertEqual(
            earned.display_name,
            f"{self.card_a.name} · Cashback earned · {invoice.name}",
        )
        adjustment = self._add_ledger(self.card_a, amount=5.0)
        self.assertTrue(adjustment.move_id)
        self.assertEqual(
            adjustment.display_name,
            f"{self.card_a.name} · Manual adjustment · {adjustment.move_id.name}",
        )
        stamp_card = self._create_card(self.program_stamp)
        order = self.env["sale.order"].create({"partner_id": self.customer.id})
        stamp = self.Transaction.sudo().create(
            {
                "card_id": stamp_card.id,
                "kind": "stamp",
                "stamps": 1,
                "sale_order_id": order.id,
            }
        )
        self.assertEqual(
            stamp.display_name, f"{stamp_card.name} · Stamp · {order.name}"
        )
        bare = self._add_ledger(stamp_card, stamps=1, kind="stamp")
        self.assertEqual(bare.display_name, f"{stamp_card.name} · Stamp")

    def test_entry_name_in_the_reader_language(self):
        self.env["res.lang"]._activate_lang("uk_UA")
        self.env["ir.module.module"]._load_module_terms(
            ["loyalty_b2b"], ["uk_UA"], overwrite=True
        )
        adjustment = self._add_ledger(self.card_a, amount=5.0)
        kinds = dict(
            self.Transaction._fields["kind"]._description_selection(
                self.env(context={"lang": "uk_UA"})
            )
        )
        self.assertNotEqual(kinds["adjust"], "Manual adjustment")
        self.assertEqual(
            adjustment.with_context(lang="uk_UA").display_name,
            f"{self.card_a.name} · {kinds['adjust']} · {adjustment.move_id.name}",
        )

    def test_salesman_reads_names_of_documents_he_cannot_open(self):
        """A salesperson reads the ledger of his customers' cards: entries of
        another salesperson's invoice and of the ledger's journal entries are
        named all the same."""
        salesman = new_test_user(
            self.env,
            login="names_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        invoice = self._invoice([(self.product_drill, 1, 1000.0)])
        adjustment = self._add_ledger(self.card_a, amount=5.0)
        entries = (
            (self._live(invoice) | adjustment)
            .with_user(salesman)
            .with_context(allowed_company_ids=self.company.ids)
        )
        self.assertFalse(
            invoice.with_user(salesman)
            .with_context(allowed_company_ids=self.company.ids)
            .has_access("read"),
            "the test needs an invoice the salesman cannot open",
        )
        self.env.invalidate_all()
        self.assertEqual(
            sorted(entries.mapped("display_name")),
            sorted(
                [
                    f"{self.card_a.name} · Cashback earned · {invoice.name}",
                    (
                        f"{self.card_a.name} · Manual adjustment · "
                        f"{adjustment.move_id.name}"
                    ),
                ]
            ),
        )
