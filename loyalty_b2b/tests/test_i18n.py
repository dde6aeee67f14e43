from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestTranslations(LoyaltyB2bCommon):
    """Ukrainian and Russian are first-class: errors and screens speak them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("uk_UA", "ru_RU"):
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(
            ["loyalty_b2b"], ["uk_UA", "ru_RU"], overwrite=True
        )

    def test_errors_are_translated(self):
        expected = {
            "uk_UA": "Знижка програми Bad має бути від 0 до 100%.",
            "ru_RU": "Скидка программы Bad должна быть в пределах от 0 до 100%.",
        }
        for lang, message in expected.items():
            with self.assertRaises(ValidationError) as error:
                self.Program.with_context(lang=lang).create(
                    {"name": "Bad", "program_type": "discount", "discount_percent": 101}
                )
            self.assertEqual(error.exception.args[0], message)

    def test_screens_are_translated(self):
        for lang, label in (
            ("uk_UA", "Картки лояльності"),
            ("ru_RU", "Карты лояльности"),
        ):
            menu = self.env.ref("loyalty_b2b.loyalty_b2b_card_menu").with_context(
                lang=lang
            )
            self.assertEqual(menu.name, label)
            selection = dict(
                self.Program.with_context(lang=lang)
                ._fields["program_type"]
                ._description_selection(self.env(context={"lang": lang}))
            )
            self.assertNotEqual(selection["cashback"], "Cashback card")


@tagged("post_install", "-at_install")
class TestDataTranslations(LoyaltyB2bCommon):
    """The records the add-on creates speak the installed languages: the
    cashback accounts and journal, the redemption product, the lines cards
    add to a customer's quotation."""

    LANGS = ("uk_UA", "ru_RU")

    @classmethod
    def _load_languages(cls):
        for code in cls.LANGS:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(
            ["account", "loyalty_b2b"], list(cls.LANGS), overwrite=True
        )

    def _names(self, record):
        return {
            lang: record.with_context(lang=lang).name for lang in ("en_US", *self.LANGS)
        }

    def test_accounts_and_journal_of_a_new_company(self):
        self._load_languages()
        company = self._setup_second_company()["company"]
        self.assertEqual(
            self._names(company.b2b_liability_account_id),
            {
                "en_US": "Cashback payable",
                "uk_UA": "Кешбек до виплати",
                "ru_RU": "Кешбэк к выплате",
            },
        )
        self.assertEqual(
            self._names(company.b2b_loyalty_journal_id)["uk_UA"], "Лояльність"
        )
        self.assertEqual(
            self.env.ref(f"loyalty_b2b.{company.id}_b2b_cashback_payable"),
            company.b2b_liability_account_id,
        )

    def test_language_installed_later(self):
        """Accounts created before a language is installed get its names when it
        is, like the chart's own accounts."""
        company = self._setup_second_company()["company"]
        account = company.b2b_rebate_account_id
        self._load_languages()
        self.assertEqual(self._names(account)["uk_UA"], "Знижки з продажу (кешбек)")
        self.assertEqual(
            self._names(company.b2b_breakage_account_id)["ru_RU"],
            self.env["res.company"]
            .with_context(lang="ru_RU")
            .env._("Cashback breakage"),
        )

    def test_redemption_product_and_lines_in_the_customer_language(self):
        self._load_languages()
        product = self.env.ref("loyalty_b2b.product_cashback_redemption")
        self.assertEqual(
            product.with_context(lang="uk_UA").name, "Використання кешбеку"
        )
        card = self._create_card(self.program_cashback)
        self._add_ledger(card, amount=100.0)
        self.contact.lang = "uk_UA"
        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "order_line": [Command.create({"product_id": self.product_drill.id})],
            }
        )
        order.b2b_apply_cashback(10.0)
        self.assertEqual(
            order.order_line.filtered("b2b_reward_kind").name,
            f"Використання кешбеку (картка {card.name})",
        )
