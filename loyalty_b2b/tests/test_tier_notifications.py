from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.modules.migration import load_script
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_tier_engine import TierCommon


@tagged("post_install", "-at_install")
class TestTierNotifications(TierCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        Partner = cls.env["res.partner"]
        # Upgrades are mailed to the decision makers who receive loyalty mail.
        cls.contact.write(
            {
                "email": "ann@acme.example",
                "b2b_loyalty_mail": True,
                "b2b_loyalty_role": "decision_maker",
                "lang": "en_US",
            }
        )
        cls.contact_fr = Partner.create(
            {
                "name": "Béa Achat",
                "parent_id": cls.customer.id,
                "email": "bea@acme.example",
                "b2b_loyalty_mail": True,
                "b2b_loyalty_role": "decision_maker",
                "lang": "fr_FR",
            }
        )
        cls.contact_quiet = Partner.create(
            {
                "name": "Carl Quiet",
                "parent_id": cls.customer.id,
                "email": "carl@acme.example",
            }
        )
        cls.template = cls.env.ref("loyalty_b2b.mail_template_b2b_tier_upgrade")
        cls.template.with_context(
            lang="fr_FR"
        ).subject = (
            "{{ object.partner_id.name }} passe au niveau {{ object.new_tier_label }}"
        )
        cls.gold.with_context(lang="fr_FR").name = "Or"
        cls.salesman = new_test_user(
            cls.env,
            login="tier_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def _send_notices(self):
        # As the scheduler runs it: as the superuser.
        return self.History.sudo()._cron_notify_tier_changes()

    def _upgrade_mails(self, history):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "loyalty.b2b.tier.history"),
                ("res_id", "in", history.ids),
            ]
        )

    @freeze_time("2024-06-15")
    def test_upgrade_history_note_and_mail(self):
        card = self._card()
        initial = card.tier_history_ids
        self.assertEqual(initial.change, "initial")
        self._send_notices()
        self.assertEqual(initial.notification_state, "done")
        self.assertFalse(self._upgrade_mails(initial), "a first tier is not news")
        self.assertTrue(
            card.message_ids.filtered(lambda m: "Tier set to Silver" in m.body)
        )

        notice_cron = self.env.ref("loyalty_b2b.ir_cron_b2b_tier_notifications")
        triggers = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", notice_cron.id)]
        )
        self._document(self.contact, "2024-06-01", 10000.0)
        upgrade = card.tier_history_ids - initial
        # Posting only records the change and asks for the notices to be sent.
        self.assertEqual(upgrade.notification_state, "pending")
        self.assertFalse(self._upgrade_mails(upgrade))
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count(
                [("cron_id", "=", notice_cron.id)]
            ),
            triggers + 1,
        )
        self._send_notices()
        self.assertEqual(upgrade.notification_state, "done")
        self.assertRecordValues(
            upgrade,
            [
                {
                    "change": "upgrade",
                    "old_tier_id": self.silver.id,
                    "new_tier_id": self.gold.id,
                    "spent_amount": 10000.0,
                    "partner_id": self.customer.id,
                }
            ],
        )
        # A note in the card's chatter.
        notes = card.message_ids.filtered(
            lambda m: "Tier upgraded from Silver to Gold" in m.body
        )
        self.assertEqual(len(notes), 1)
        self.assertIn("10,000.00", notes.body)
        # One mail per language, to the contacts that receive loyalty mail only.
        mails = self._upgrade_mails(upgrade)
        self.assertEqual(len(mails), 2)
        mail_en = mails.filtered(lambda m: m.recipient_ids == self.contact)
        mail_fr = mails.filtered(lambda m: m.recipient_ids == self.contact_fr)
        self.assertEqual(
            mail_en.subject, "Acme Wholesale is now Gold: 7 % on your orders"
        )
        # The French contact's mail in French: the template's translation, the
        # tier's name, the amounts as French writes them.
        self.assertEqual(
            mail_fr.subject, "Acme Wholesale passe au niveau Or: 7 % on your orders"
        )
        self.assertIn(card.name, mail_en.body_html)
        self.assertIn("7 % on your orders", mail_en.body_html)
        self.assertIn("10,000.00", mail_en.body_html)
        self.assertIn("10\N{NO-BREAK SPACE}000,00", mail_fr.body_html)
        self.assertIn("Gold: 7 % is the top tier", mail_en.body_html)
        # A seller's email, no follower notification.
        for mail in mails:
            self.assertNotIn("Your B2B Loyalty Tier Change", mail.body_html)
            self.assertNotIn("unfollow", mail.body_html.lower())
            self.assertIn(self.company.name, mail.body_html)
        self.assertNotIn(self.contact_quiet, mails.recipient_ids)
        self.assertEqual(mails.mapped("state"), ["outgoing", "outgoing"])
        self._send_notices()
        self.assertEqual(self._upgrade_mails(upgrade), mails, "sent once")

    @freeze_time("2024-06-15")
    def test_upgrade_mail_tells_the_next_tier(self):
        self.env["loyalty.b2b.tier"].create(
            {
                "program_id": self.program_accumulative.id,
                "name": "Platinum",
                "min_amount": 25000,
                "discount_percent": 10,
            }
        )
        self.contact_fr.b2b_loyalty_mail = False
        card = self._card()
        self._document(self.customer, "2024-06-01", 10000.0)
        self._send_notices()
        mail = self._upgrade_mails(card.tier_history_ids)
        self.assertEqual(mail.subject, "Acme Wholesale is now Gold: 7 % on your orders")
        self.assertIn(
            "Spend $\N{NO-BREAK SPACE}15,000.00 more within the rolling 12 months "
            "to reach Platinum: 10 %",
            mail.body_html,
        )

    @freeze_time("2024-06-15")
    def test_contact_without_language_gets_the_company_language(self):
        self.customer.lang = "fr_FR"
        self.contact.lang = False
        self.contact_fr.b2b_loyalty_mail = False
        card = self._card()
        self._document(self.customer, "2024-06-01", 10000.0)
        self._send_notices()
        mails = self._upgrade_mails(card.tier_history_ids)
        self.assertEqual(mails.recipient_ids, self.contact)
        self.assertIn("passe au niveau Or", mails.subject)

    @freeze_time("2024-06-15")
    def test_no_mail_without_loyalty_contacts(self):
        card = self._card(partner=self.other_customer)
        self._document(self.other_customer, "2024-06-01", 10000.0)
        self._send_notices()
        upgrade = card.tier_history_ids.filtered(lambda h: h.change == "upgrade")
        self.assertEqual(upgrade.notification_state, "done")
        self.assertFalse(self._upgrade_mails(upgrade))

    @freeze_time("2024-06-15")
    def test_downgrade_activity_for_salesperson(self):
        self.customer.user_id = self.salesman
        card = self._card()
        self._document(self.customer, "2024-06-01", 10000.0)
        self._send_notices()
        self.assertFalse(card.activity_ids)
        mail_count = self.env["mail.mail"].search_count(
            [("model", "=", "loyalty.b2b.tier.history")]
        )
        self._document(self.customer, "2024-06-02", 500.0, move_type="out_refund")
        self.assertEqual(card.tier_id, self.silver)
        self.assertFalse(card.activity_ids, "the notices are sent afterwards")
        self._send_notices()
        activity = card.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        self.assertEqual(activity.summary, "Loyalty tier downgraded: Acme Wholesale")
        self.assertIn("from Gold to Silver", activity.note)
        self.assertIn("9,500.00", activity.note)
        # The customer is not mailed about a downgrade.
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", "loyalty.b2b.tier.history")]
            ),
            mail_count,
        )
        self.assertTrue(
            card.message_ids.filtered(
                lambda m: "Tier downgraded from Gold to Silver" in m.body
            )
        )

    @freeze_time("2024-06-15")
    def test_downgrade_activity_falls_back_to_loyalty_administrator(self):
        """Without a salesperson who works in the card's company, a Loyalty
        administrator of that company gets the activity."""
        other_company = self._setup_second_company()["company"]
        self.salesman.write(
            {"company_ids": [(6, 0, other_company.ids)], "company_id": other_company.id}
        )
        self.customer.user_id = self.salesman
        card = self._card()
        self._document(self.customer, "2024-06-01", 10000.0)
        self._document(self.customer, "2024-06-02", 500.0, move_type="out_refund")
        self._send_notices()
        user = card.activity_ids.user_id
        self.assertEqual(len(user), 1)
        self.assertNotEqual(user, self.salesman)
        self.assertTrue(user.has_group("loyalty_b2b.group_loyalty_b2b_manager"))
        self.assertIn(self.company, user.company_ids)
        self.assertFalse(user.share)

    @freeze_time("2024-06-15")
    def test_several_changes_before_the_notices_are_sent(self):
        self.customer.user_id = self.salesman
        card = self._card()
        self._document(self.customer, "2024-06-01", 10000.0)
        self._document(self.customer, "2024-06-02", 500.0, move_type="out_refund")
        history = card.tier_history_ids
        self.assertEqual(set(history.mapped("notification_state")), {"pending"})
        self._send_notices()
        self.assertEqual(set(history.mapped("notification_state")), {"done"})
        bodies = card.message_ids.sorted("id").mapped("body")
        notes = [
            body
            for body in bodies
            if "Tier set" in body
            or "Tier upgraded" in body
            or "Tier downgraded" in body
        ]
        self.assertEqual(len(notes), 3)
        self.assertIn("Tier set to Silver", notes[0])
        self.assertIn("Tier upgraded from Silver to Gold", notes[1])
        self.assertIn("Tier downgraded from Gold to Silver", notes[2])
        upgrade = history.filtered(lambda h: h.change == "upgrade")
        mails = self._upgrade_mails(upgrade)
        self.assertEqual(len(mails), 2)
        # The mail tells the upgrade as it was, though the card is Silver again.
        self.assertIn(
            "Acme Wholesale is now Gold: 7 % on your orders", mails.mapped("subject")
        )
        self.assertEqual(card.activity_ids.user_id, self.salesman)

    @freeze_time("2024-06-15")
    def test_history_is_read_only_for_users(self):
        card = self._card()
        self._document(self.customer, "2024-06-01", 10000.0)
        history = card.tier_history_ids.with_user(self.salesman)
        self.assertEqual(len(history.read(["change"])), 2)
        with (
            self.assertRaises(AccessError),
            mute_logger("odoo.addons.base.models.ir_model"),
        ):
            history[0].write({"spent_amount": 1.0})
        with (
            self.assertRaises(AccessError),
            mute_logger("odoo.addons.base.models.ir_model"),
        ):
            self.History.with_user(self.salesman).create(
                {"card_id": card.id, "change": "upgrade"}
            )

    def test_template_is_editable_data(self):
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "loyalty_b2b"),
                ("name", "=", "mail_template_b2b_tier_upgrade"),
            ]
        )
        self.assertTrue(data.noupdate, "administrators' edits survive updates")
        self.assertTrue(self.template._fields["body_html"].translate)
        self.assertTrue(self.template._fields["subject"].translate)

    def test_migration_gives_the_old_template_the_new_one(self):
        """Databases installed before keep the old noupdate template: the
        migration to 18.0.1.2.0 loads the new subject and body, unless an
        administrator edited it."""
        script = load_script(
            "loyalty_b2b/migrations/18.0.1.2.0/post-migrate-mail-template.py",
            "loyalty_b2b_post_migrate_mail_template",
        )
        new_subject = self.template.with_context(lang="en_US").subject
        self.template.with_context(lang="en_US").write(
            {"subject": script.OLD_SUBJECT, "body_html": "<p>Old body</p>"}
        )
        script.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        template = self.template.with_context(lang="en_US")
        self.assertEqual(template.subject, new_subject)
        self.assertIn("object.new_tier_benefit", template.body_html)
        self.assertNotIn("Old body", template.body_html)

        template.subject = "Our own subject"
        script.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(template.subject, "Our own subject", "edits are kept")
