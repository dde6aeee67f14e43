from collections import defaultdict

from markupsafe import Markup

from odoo import api, models
from odoo.tools import format_amount

# Tier fields whose changes are posted on the program's chatter.
TRACKED_TIER_FIELDS = ("name", "min_amount", "discount_percent", "cashback_percent")


class LoyaltyB2bTier(models.Model):
    """Changes of tiers, posted on their program's chatter: tiers are edited
    inside the program, whose own tracking cannot see them."""

    _inherit = "loyalty.b2b.tier"

    @api.model_create_multi
    def create(self, vals_list):
        tiers = super().create(vals_list)
        if tiers._is_tracked():
            tiers._log_on_programs(
                {
                    tier: self.env._(
                        "Tier %(tier)s added: %(benefit)s.",
                        tier=tier.name,
                        benefit=tier._get_tracking_benefit(),
                    )
                    for tier in tiers
                }
            )
        return tiers

    def write(self, vals):
        fnames = [fname for fname in TRACKED_TIER_FIELDS if fname in vals]
        if not fnames or not self._is_tracked():
            return super().write(vals)
        before = {tier: tier._get_tracking_values(fnames) for tier in self}
        res = super().write(vals)
        lines = {}
        for tier, old_values in before.items():
            new_values = tier._get_tracking_values(fnames)
            changes = [
                self.env._(
                    "%(field)s: %(old)s → %(new)s",
                    field=self._fields[fname]._description_string(self.env),
                    old=old_values[fname],
                    new=new_values[fname],
                )
                for fname in fnames
                if old_values[fname] != new_values[fname]
            ]
            if changes:
                lines[tier] = self.env._(
                    "Tier %(tier)s changed: %(changes)s.",
                    tier=old_values.get("name", tier.name),
                    changes="; ".join(changes),
                )
        self._log_on_programs(lines)
        return res

    def unlink(self):
        if not self._is_tracked():
            return super().unlink()
        lines = {
            tier: self.env._(
                "Tier %(tier)s removed: %(benefit)s.",
                tier=tier.name,
                benefit=tier._get_tracking_benefit(),
            )
            for tier in self
        }
        programs = {tier: tier.program_id for tier in self}
        res = super().unlink()
        self._log_on_programs(lines, programs)
        return res

    def _is_tracked(self):
        # As Odoo's field tracking: off for imports and tests that ask so.
        context = self.env.context
        return bool(self) and not (
            context.get("tracking_disable") or context.get("mail_notrack")
        )

    def _get_tracking_benefit(self):
        """Hook: "7 % from $ 10,000.00", the benefit of this tier as its
        program's chatter names it."""
        self.ensure_one()
        program = self.program_id
        percent = (
            self.cashback_percent
            if program.program_type == "cashback"
            else self.discount_percent
        )
        return self.env._(
            "%(percent)s from %(threshold)s",
            percent=program._format_percent(percent),
            threshold=format_amount(self.env, self.min_amount, self.currency_id),
        )

    def _get_tracking_values(self, fnames):
        """``{field name: value as shown}`` of this tier's fields ``fnames``."""
        self.ensure_one()
        program = self.env["loyalty.b2b.program"]
        values = {}
        for fname in fnames:
            if fname == "min_amount":
                values[fname] = format_amount(
                    self.env, self.min_amount, self.currency_id
                )
            elif fname in ("discount_percent", "cashback_percent"):
                values[fname] = program._format_percent(self[fname])
            else:
                values[fname] = self[fname]
        return values

    def _log_on_programs(self, lines, programs=None):
        """Log ``{tier: line}`` on the tiers' programs, one note per program
        (``programs``: ``{tier: program}`` of tiers that are gone)."""
        by_program = defaultdict(list)
        for tier, line in lines.items():
            program = programs[tier] if programs else tier.program_id
            by_program[program].append(line)
        for program, program_lines in by_program.items():
            if program.exists():
                program._message_log(body=Markup("<br/>").join(program_lines))
