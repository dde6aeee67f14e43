from odoo import api, fields, models
from odoo.tools.misc import format_date

# What each kind of notice is about, and so what its key date means.
NOTICE_KINDS = [
    ("statement", "Monthly statement"),
    ("expiry_warning", "Cashback expiry warning"),
    ("downgrade_risk", "Downgrade risk"),
    ("tier_upgrade", "Tier upgrade"),
]


class LoyaltyB2bCardNotice(models.Model):
    """One message sent to the contacts of a card's customer, written when it
    is sent. Its key (card, kind, key date) is unique in the database: the
    same message is never sent twice, whichever job or run tries."""

    _name = "loyalty.b2b.card.notice"
    _description = "B2B Loyalty Card Message"
    _order = "date desc, id desc"
    _check_company_auto = True

    card_id = fields.Many2one(
        "loyalty.b2b.card",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    partner_id = fields.Many2one(
        related="card_id.partner_id", string="Customer", store=True
    )
    company_id = fields.Many2one(related="card_id.company_id", store=True)
    kind = fields.Selection(NOTICE_KINDS, required=True, readonly=True)
    key_date = fields.Date(
        required=True,
        readonly=True,
        help="What the message is about: the first day of the statement's "
        "month, the day the cashback expires, the last day the tier hold "
        "keeps the tier, or the day of the tier upgrade.",
    )
    date = fields.Datetime(
        string="Sent On", required=True, readonly=True, default=fields.Datetime.now
    )
    recipient_ids = fields.Many2many("res.partner", readonly=True)
    message_id = fields.Many2one("mail.message", readonly=True, ondelete="set null")
    subject = fields.Char(related="message_id.subject")

    _sql_constraints = [
        (
            "card_kind_key_date_uniq",
            "UNIQUE(card_id, kind, key_date)",
            "A card's message of one kind is sent once for its date.",
        ),
    ]

    @api.depends("kind", "key_date", "card_id.name")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for notice in self:
            notice.display_name = self.env._(
                "%(card)s: %(kind)s (%(date)s)",
                card=notice.card_id.name,
                kind=kinds.get(notice.kind, notice.kind),
                date=format_date(self.env, notice.key_date),
            )
