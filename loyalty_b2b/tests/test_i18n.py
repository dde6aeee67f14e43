import re

import polib
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.modules.migration import load_script
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import file_path, format_amount, format_date
from odoo.tools.translate import TranslationModuleReader

from .common import LoyaltyB2bCommon
from .test_sale_common import LoyaltyB2bSaleCommon
from .test_summary_common import LoyaltySummaryCommon
from .test_tier_engine import TierCommon

PO_FILES = {"uk_UA": "loyalty_b2b/i18n/uk.po", "ru_RU": "loyalty_b2b/i18n/ru.po"}
POT_FILE = "loyalty_b2b/i18n/loyalty_b2b.pot"
# What a translation must keep of its source: named placeholders, %%, inline
# template expressions, QWeb/HTML tags and their t-* attributes.
KEPT_TOKENS = re.compile(
    r"%\(\w+\)[sdr]|%%|\{\{.*?\}\}|</?[A-Za-z][\w.-]*|\bt-[\w-]+=\"[^\"]*\""
)


def _load_languages(env, langs=tuple(PO_FILES)):
    """Install ``langs`` and load the add-on's translations, as installing a
    language does."""
    for code in langs:
        env["res.lang"]._activate_lang(code)
    env["ir.module.module"]._load_module_terms(
        ["loyalty_b2b"], list(langs), overwrite=True
    )


@tagged("post_install", "-at_install")
class TestTranslations(LoyaltyB2bCommon):
    """Ukrainian and Russian are first-class: errors and screens speak them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _load_languages(cls.env)

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


class TranslatedTierCommon(TierCommon):
    """Ukrainian and Russian loaded, and a Platinum tier above Gold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _load_languages(cls.env)
        cls.env["loyalty.b2b.tier"].create(
            {
                "program_id": cls.program_accumulative.id,
                "name": "Platinum",
                "min_amount": 25000,
                "discount_percent": 10,
            }
        )


@tagged("post_install", "-at_install")
class TestUpgradeMailTranslations(TranslatedTierCommon):
    """The tier upgrade email reaches a Ukrainian and a Russian contact in
    their language: subject, body and the sentences the add-on writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Upgrades are mailed to the decision makers who receive loyalty mail.
        cls.contact.write(
            {
                "email": "ann@acme.example",
                "b2b_loyalty_mail": True,
                "b2b_loyalty_role": "decision_maker",
                "lang": "uk_UA",
            }
        )
        cls.contact_ru = cls.env["res.partner"].create(
            {
                "name": "Boris Zakupka",
                "parent_id": cls.customer.id,
                "email": "boris@acme.example",
                "b2b_loyalty_mail": True,
                "b2b_loyalty_role": "decision_maker",
                "lang": "ru_RU",
            }
        )

    @freeze_time("2024-06-15")
    def test_upgrade_mail_in_the_contact_language(self):
        card = self._card()
        self._document(self.customer, "2024-06-01", 10000.0)
        # As the scheduler sends the notices: as the superuser.
        self.History.sudo()._cron_notify_tier_changes()
        upgrade = card.tier_history_ids.filtered(lambda h: h.change == "upgrade")
        mails = self.env["mail.mail"].search(
            [("model", "=", upgrade._name), ("res_id", "=", upgrade.id)]
        )
        self.assertEqual(len(mails), 2, "one mail per language")

        def missing(lang):
            # 15,000.00 to Platinum, as the contact's language writes amounts.
            return format_amount(
                self.env(context={"lang": lang}), 15000.0, self.company.currency_id
            )

        expected = {
            self.contact: {
                "subject": "Acme Wholesale тепер на рівні Gold: 7 % на ваші замовлення",
                "body": [
                    "Вітаємо!",
                    "Гарні новини: завдяки вашим закупівлям компанія",
                    "досягла рівня",
                    "у нашій програмі",
                    f"(картка {card.name})",
                    "Відтепер ви отримуєте:",
                    "7 % на ваші замовлення",
                    "Зараховані закупівлі:",
                    (
                        f"Здійсніть закупівлі ще на {missing('uk_UA')} протягом "
                        "ковзних 12 місяців, щоб досягти рівня Platinum: 10 %"
                    ),
                    "Дякуємо за довіру.",
                ],
            },
            self.contact_ru: {
                "subject": "Acme Wholesale теперь на уровне Gold: 7 % на ваши заказы",
                "body": [
                    "Здравствуйте!",
                    "Хорошие новости: благодаря вашим покупкам компания",
                    "достигла уровня",
                    "в нашей программе",
                    f"(карта {card.name})",
                    "Теперь вы получаете:",
                    "7 % на ваши заказы",
                    "Учитываемые покупки:",
                    (
                        f"Совершите покупки еще на {missing('ru_RU')} в течение "
                        "скользящих 12 месяцев, чтобы достичь уровня Platinum: 10 %"
                    ),
                    "Благодарим вас за доверие.",
                ],
            },
        }
        for contact, texts in expected.items():
            mail = mails.filtered(lambda m, contact=contact: m.recipient_ids == contact)
            self.assertEqual(mail.subject, texts["subject"])
            for text in texts["body"]:
                self.assertIn(text, mail.body_html)
            for english in ("Hello", "Good news", "on your orders", "Spend"):
                self.assertNotIn(english, mail.body_html)

    def test_template_renders_in_the_language(self):
        """The template itself, rendered in each language as its preview shows
        it: subject and body translated, their placeholders filled in."""
        card = self._card()
        history = card.tier_history_ids
        template = self.env.ref("loyalty_b2b.mail_template_b2b_tier_upgrade")
        for lang, subject, greeting in (
            ("uk_UA", "Acme Wholesale тепер на рівні Silver: 3 % на ваші", "Вітаємо!"),
            (
                "ru_RU",
                "Acme Wholesale теперь на уровне Silver: 3 % на ваши",
                "Здравствуйте!",
            ),
        ):
            template_lang = template.with_context(lang=lang)
            rendered_subject = template_lang._render_field(
                "subject", history.ids, compute_lang=False
            )[history.id]
            self.assertTrue(rendered_subject.startswith(subject), rendered_subject)
            body = template_lang._render_field(
                "body_html", history.ids, compute_lang=False
            )[history.id]
            self.assertIn(greeting, body)
            self.assertIn(card.name, body)

    def test_migration_brings_the_translations(self):
        """A database installed before 18.0.1.2.0 gets the new email in its
        customers' languages too, not only in English."""
        script = load_script(
            "loyalty_b2b/migrations/18.0.1.2.0/post-migrate-mail-template.py",
            "loyalty_b2b_post_migrate_mail_template_i18n",
        )
        template = self.env.ref("loyalty_b2b.mail_template_b2b_tier_upgrade")
        template.with_context(lang="en_US").subject = script.OLD_SUBJECT
        for lang in ("uk_UA", "ru_RU"):
            template.with_context(lang=lang).write(
                {"subject": "Old subject", "body_html": "<p>Old body</p>"}
            )
        script.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        for lang, subject, greeting in (
            ("uk_UA", "тепер на рівні {{ object.new_tier_label }}", "Вітаємо!"),
            ("ru_RU", "теперь на уровне {{ object.new_tier_label }}", "Здравствуйте!"),
        ):
            template_lang = template.with_context(lang=lang)
            self.assertIn(subject, template_lang.subject)
            self.assertIn(greeting, template_lang.body_html)


@tagged("post_install", "-at_install")
class TestCardScreenTranslations(TranslatedTierCommon):
    """A card's next tier, tier hold and benefit in Ukrainian and Russian."""

    def _amount(self, lang, amount):
        return format_amount(
            self.env(context={"lang": lang}), amount, self.company.currency_id
        )

    @freeze_time("2024-06-15")
    def test_next_tier_sentence(self):
        card = self._card()
        self._document(self.customer, "2024-06-01", 8750.0)
        self.assertEqual(
            card.with_context(lang="uk_UA").next_tier_message,
            f"Здійсніть закупівлі ще на {self._amount('uk_UA', 1250.0)} протягом "
            "ковзних 12 місяців, щоб досягти рівня Gold: 7 %",
        )
        self.assertEqual(
            card.with_context(lang="ru_RU").next_tier_message,
            f"Совершите покупки еще на {self._amount('ru_RU', 1250.0)} в течение "
            "скользящих 12 месяцев, чтобы достичь уровня Gold: 7 %",
        )
        self.program_accumulative.spend_period_months = 1
        card._recompute_tiers()
        self.assertIn(
            "протягом ковзного місяця, щоб досягти рівня Gold: 7 %",
            card.with_context(lang="uk_UA").next_tier_message,
        )
        self.program_accumulative.spend_period_months = 0
        card._recompute_tiers()
        self.assertIn(
            "Совершите покупки еще на",
            card.with_context(lang="ru_RU").next_tier_message,
        )
        self._document(self.customer, "2024-06-02", 30000.0)
        self.assertEqual(
            card.with_context(lang="uk_UA").next_tier_message,
            "Platinum: 10 % — найвищий рівень",
        )
        self.assertEqual(
            card.with_context(lang="ru_RU").next_tier_message,
            "Platinum: 10 % — высший уровень",
        )

    def test_tier_hold_sentence(self):
        self.program_accumulative.tier_hold_months = 3
        with freeze_time("2024-01-10"):
            card = self._card()
            self._document(self.customer, "2024-01-10", 10000.0)
        with freeze_time("2024-02-01"):
            self._document(self.customer, "2024-02-01", 4000.0, move_type="out_refund")
            kept_until = fields.Date.to_date("2024-04-09")
            for lang, sentence in (
                (
                    "uk_UA",
                    (
                        "Рівень Gold зберігається до {date} завдяки утриманню рівня "
                        "(3 міс.); щоб зберегти його й надалі, здійсніть закупівлі ще "
                        "на {amount}"
                    ),
                ),
                (
                    "ru_RU",
                    (
                        "Уровень Gold сохраняется до {date} благодаря удержанию уровня "
                        "(3 мес.); чтобы сохранить его и дальше, совершите покупки еще "
                        "на {amount}"
                    ),
                ),
            ):
                env = self.env(context={"lang": lang})
                self.assertEqual(
                    card.with_context(lang=lang).tier_hold_message,
                    sentence.format(
                        date=format_date(env, kept_until),
                        amount=self._amount(lang, 4000.0),
                    ),
                )

    def test_card_benefit_and_name(self):
        card = self._card(program=self.program_stamp)
        self.assertEqual(card.with_context(lang="uk_UA").benefit_label, "0/3 штампів")
        self.assertEqual(
            card.with_context(lang="ru_RU").display_name,
            f"Stamps · 0/3 штампов ({card.name})",
        )


@tagged("post_install", "-at_install")
class TestSaleScreenTranslations(LoyaltyB2bSaleCommon):
    """The quotation's loyalty panel, the programs at a glance and the Issue
    Card wizard speak the user's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _load_languages(cls.env)
        cls.discount_card = cls._create_card(cls.program_discount)
        cls.accumulative_card = cls._create_card(cls.program_accumulative)
        cls.stamp_card = cls._create_card(cls.program_stamp)
        cls._add_ledger(cls.stamp_card, stamps=3, kind="stamp")
        cls.cashback_card = cls._create_card(cls.program_cashback)
        cls._add_ledger(cls.cashback_card, amount=150.0)
        cls.uk_user = new_test_user(
            cls.env,
            login="lb_i18n_uk_salesman",
            groups="sales_team.group_sale_salesman,loyalty_b2b.group_loyalty_b2b_user",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
            lang="uk_UA",
        )

    def _as_uk_user(self, record):
        """``record`` as the Ukrainian user's request reads it: in the user's
        language, nothing computed before."""
        self.env.invalidate_all()
        return record.with_user(self.uk_user).with_context(lang=self.uk_user.lang)

    def test_quotation_panel(self):
        order = self._create_order(user=self.uk_user)
        order.action_b2b_add_stamp_reward()
        order.b2b_apply_cashback(50.0, self.cashback_card)
        order.b2b_card_ids -= self.accumulative_card
        panel = self._as_uk_user(order).b2b_cards_panel
        env_uk = self.env(context={"lang": "uk_UA"})
        currency = self.company.currency_id
        for text in (
            'title="Картка"',
            "Знижка 10 %, рядків зі знижкою: 1.",
            "Підтвердження додасть штамп: 3 → 1 з 3.",
            "Нагорода в цьому замовленні: Training day (штампів: 3).",
            (
                f"Доступно: {format_amount(env_uk, 150.0, currency)}, використано в "
                f"цьому замовленні: {format_amount(env_uk, 50.0, currency)}."
            ),
            "Рахунок-фактура принесе 2 % кешбеку: приблизно",
            "Вилучено з цього замовлення.",
        ):
            self.assertIn(text, panel)
        self.assertNotIn("this order", panel)

        order.b2b_card_ids |= self.accumulative_card
        panel = self._as_uk_user(order).b2b_cards_panel
        self.assertIn(
            "3 % не застосовано: діє знижка картки "
            f"{self.discount_card.name} (програми не поєднуються).",
            panel,
        )

    def test_programs_at_a_glance(self):
        programs = self._as_uk_user(self.program_cashback | self.program_stamp)
        self.assertEqual(
            programs.mapped("benefit_summary"),
            ["2–5 % кешбеку", "Штампів: 3 → Training day"],
        )
        states = dict(programs.fields_get(["state"])["state"]["selection"])
        self.assertEqual(
            states,
            {
                "running": "Діє",
                "scheduled": "Заплановано",
                "ended": "Завершено",
                "archived": "Заархівовано",
            },
        )
        with self.assertRaisesRegex(UserError, "Шукати програми за статусом"):
            programs.search([("state", "=", "paused")])

    def test_issue_card_wizard(self):
        action = self.env.ref("loyalty_b2b.loyalty_b2b_issue_card_wizard_action")
        self.assertEqual(action.with_context(lang="uk_UA").name, "Видати картку")
        self.assertEqual(action.with_context(lang="ru_RU").name, "Выпустить карту")
        newcomer = self.env["res.partner"].create(
            {"name": "Initech Supplies", "is_company": True}
        )
        wizard = (
            self.env["loyalty.b2b.issue.card.wizard"]
            .with_context(lang="ru_RU")
            .create(
                {
                    "program_id": self.program_discount.id,
                    "partner_ids": [Command.set(newcomer.ids)],
                }
            )
        )
        self.assertEqual(wizard.action_issue()["name"], "Выпущенные карты")
        with self.assertRaisesRegex(UserError, "Эти карты уже выпущены."):
            wizard.action_issue()


@tagged("post_install", "-at_install")
class TestPrintedLoyaltyBlock(LoyaltySummaryCommon):
    """A quotation printed for a Ukrainian customer: its loyalty block and the
    card's share of the line discounts in Ukrainian."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _load_languages(cls.env)
        cls.customer.lang = "uk_UA"

    def test_quotation_block_in_the_customer_language(self):
        discount_card = self._create_card(self.program_discount)
        stamp_card = self._create_card(self.program_stamp)
        order = self._create_order()
        page = self._render(self.SALE_REPORT, order)
        blocks = dict(self._blocks(page))
        self.assertEqual(
            set(blocks),
            {
                f"Картка лояльності {discount_card.name} (Dealer 10%)",
                f"Картка лояльності {stamp_card.name} (Stamps)",
            },
        )
        savings = blocks[f"Картка лояльності {discount_card.name} (Dealer 10%)"]
        stamps = blocks[f"Картка лояльності {stamp_card.name} (Stamps)"]
        self.assertRegex(savings["b2b_savings"], r"^Ваша економія .*100,00")
        self.assertEqual(stamps["b2b_stamps"], "Штампів після цього замовлення 1 / 3")
        self.assertEqual(self._card_discount_notes(page), ["у т. ч. картка 10,00 %"])


@tagged("post_install", "-at_install")
class TestTranslationFiles(TransactionCase):
    """uk.po and ru.po translate every term of the add-on, completely: a term
    added without its translations fails here, not in front of a customer."""

    def _read_po(self, path):
        with open(file_path(path), encoding="utf-8") as po_file:
            return polib.pofile(po_file.read())

    def test_po_files_are_complete(self):
        template = {entry.msgid for entry in self._read_po(POT_FILE)}
        for lang, path in PO_FILES.items():
            po = self._read_po(path)
            entries = [entry for entry in po if not entry.obsolete]
            self.assertEqual(
                {entry.msgid for entry in entries},
                template,
                f"{path} is merged with the current template "
                "(scripts/update_translations.sh)",
            )
            self.assertEqual(
                [entry.msgid for entry in po.untranslated_entries()],
                [],
                f"untranslated in {path}",
            )
            self.assertEqual(
                [entry.msgid for entry in po.fuzzy_entries()], [], f"fuzzy in {path}"
            )
            self.assertFalse(po.obsolete_entries(), f"obsolete entries in {path}")
            for entry in entries:
                self.assertEqual(
                    sorted(KEPT_TOKENS.findall(entry.msgstr)),
                    sorted(KEPT_TOKENS.findall(entry.msgid)),
                    f"{lang}: placeholders and tags of {entry.msgid!r}",
                )

    def test_every_term_of_the_module_is_translated(self):
        """The terms Odoo exports from the installed add-on (code, views,
        fields, data), not only those of the committed template."""
        translations = {
            lang: {
                entry.msgid: entry.msgstr
                for entry in self._read_po(path)
                if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
            }
            for lang, path in PO_FILES.items()
        }
        sources = {
            term[4]
            for term in TranslationModuleReader(self.env.cr, modules=["loyalty_b2b"])
        }
        self.assertIn("Issue Card", sources)
        self.assertIn("Spend %(amount)s more to reach %(tier)s", sources)
        for lang, terms in translations.items():
            self.assertEqual(
                sorted(sources - set(terms)), [], f"terms without {lang} translation"
            )
