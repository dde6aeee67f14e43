from odoo import models


class LoyaltyB2bTierHistory(models.Model):
    """The upgrade emails recorded among the card's messages
    (``loyalty.b2b.card.notice``)."""

    _inherit = "loyalty.b2b.tier.history"

    def _send_upgrade_mails(self):
        mails = super()._send_upgrade_mails()
        self._log_upgrade_notices(mails)
        return mails

    def _log_upgrade_notices(self, mails):
        """One notice per upgrade mailed in ``mails``, keyed by the day of the
        change: a second upgrade of a card the same day is mailed but not
        recorded again (the key is unique)."""
        mails_by_history = mails.grouped("res_id")
        for history in self:
            history_mails = mails_by_history.get(history.id)
            if not history_mails:
                continue
            notice = history.card_id._claim_notice(
                "tier_upgrade", history.date, history_mails.recipient_ids
            )
            if notice:
                # The mail's own message: the upgrade is mailed from its
                # change, not posted on the card.
                notice.message_id = history_mails[:1].mail_message_id
