from odoo import fields, models


class LoyaltyB2bTierHistory(models.Model):
    """The upgrade emails recorded among the card's messages
    (``loyalty.b2b.card.notice``)."""

    _inherit = "loyalty.b2b.tier.history"

    def _send_upgrade_mails(self):
        mails = super()._send_upgrade_mails()
        self._log_upgrade_notices(mails)
        return mails

    def _log_upgrade_notices(self, mails):
        """One notice per card and day of the upgrades mailed in ``mails``, in
        one batch: a second upgrade of a card the same day is mailed but not
        recorded again (the key is unique). The notices job sends each change
        once (``notification_state``): these notices only record it."""
        mails_by_history = mails.grouped("res_id")
        histories = self.filtered(lambda history: history.id in mails_by_history)
        if not histories:
            return self.env["loyalty.b2b.card.notice"]
        sent = histories.card_id._get_sent_notice_keys(
            "tier_upgrade", set(histories.mapped("date"))
        )
        vals_by_key = {}
        for history in histories.sorted("id"):
            key = (history.card_id, history.date)
            if key in sent or key in vals_by_key:
                continue
            history_mails = mails_by_history[history.id]
            vals_by_key[key] = {
                "card_id": history.card_id.id,
                "kind": "tier_upgrade",
                "key_date": history.date,
                "recipient_ids": [fields.Command.set(history_mails.recipient_ids.ids)],
                # The mail's own message: the upgrade is mailed from its
                # change, not posted on the card.
                "message_id": history_mails[:1].mail_message_id.id,
            }
        return (
            self.env["loyalty.b2b.card.notice"]
            .sudo()
            .create(list(vals_by_key.values()))
        )
