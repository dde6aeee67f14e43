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
