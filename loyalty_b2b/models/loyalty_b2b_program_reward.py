from odoo import api, fields, models

# What the stamp card's own reward copies from its program.
STAMP_REWARD_FIELDS = ("stamp_reward_product_id", "stamps_required", "program_type")


class LoyaltyB2bProgram(models.Model):
    """The reward catalogue of a program. A stamp program's own reward (the
    product its quotations add when the stamps are collected) is the
    catalogue's first entry, kept in step with the program's settings."""

    _inherit = "loyalty.b2b.program"

    reward_ids = fields.One2many("loyalty.b2b.reward", "program_id", string="Rewards")
    reward_count = fields.Integer(compute="_compute_reward_count")
    stamp_reward_id = fields.Many2one(
        "loyalty.b2b.reward",
        string="Stamp Card Reward",
        readonly=True,
        copy=False,
        help="The catalogue entry of the reward the stamps of a full card "
        "earn: its product and stamps follow the program's.",
    )
    reward_request_ids = fields.One2many("loyalty.b2b.reward.request", "program_id")
    reward_request_count = fields.Integer(compute="_compute_reward_count")

    @api.depends("reward_ids", "reward_request_ids")
    def _compute_reward_count(self):
        rewards = dict(
            self.env["loyalty.b2b.reward"]
            .with_context(active_test=False)
            ._read_group([("program_id", "in", self.ids)], ["program_id"], ["__count"])
        )
        request_counts = dict(
            self.env["loyalty.b2b.reward.request"]._read_group(
                [("program_id", "in", self.ids)], ["program_id"], ["__count"]
            )
        )
        for program in self:
            program.reward_count = rewards.get(program, 0)
            program.reward_request_count = request_counts.get(program, 0)

    @api.model_create_multi
    def create(self, vals_list):
        programs = super().create(vals_list)
        programs._sync_stamp_reward()
        return programs

    def write(self, vals):
        result = super().write(vals)
        if set(STAMP_REWARD_FIELDS) & set(vals) and not self.env.context.get(
            "b2b_stamp_reward_sync"
        ):
            self._sync_stamp_reward()
        return result

    def _sync_stamp_reward(self):
        """Create or update the catalogue entry of each stamp program's own
        reward (also run by the migration of existing programs)."""
        Reward = self.env["loyalty.b2b.reward"].sudo().with_context(active_test=False)
        for program in self:
            product = program.stamp_reward_product_id
            if program.program_type != "stamp" or not product:
                continue
            vals = program._prepare_stamp_reward_vals()
            reward = program.sudo().stamp_reward_id
            if reward:
                changes = {
                    key: vals[key]
                    for key in ("product_id", "cost_stamps")
                    if reward[key] != (product if key == "product_id" else vals[key])
                }
                if changes:
                    reward.with_context(b2b_stamp_reward_sync=True).write(changes)
            else:
                reward = Reward.with_context(b2b_stamp_reward_sync=True).create(vals)
                program.sudo().stamp_reward_id = reward
                program._sync_stamp_reward_names(reward)

    def _prepare_stamp_reward_vals(self):
        self.ensure_one()
        product = self.stamp_reward_product_id
        vals = {
            "program_id": self.id,
            "product_id": product.id,
            "cost_stamps": self.stamps_required,
            "reward_type": "service" if product.type == "service" else "product",
            "sequence": 0,
            "description": product.description_sale or False,
        }
        # Every installed language gets the product's name as the reward's.
        vals["name"] = product.with_context(lang="en_US").name
        return vals

    def _sync_stamp_reward_names(self, rewards):
        """Give the new catalogue entries the product's name in each installed
        language (the product's own translations)."""
        languages = [code for code, _name in self.env["res.lang"].get_installed()]
        for reward in rewards:
            product = reward.program_id.stamp_reward_product_id
            for lang in languages:
                reward.with_context(lang=lang).name = product.with_context(
                    lang=lang
                ).name

    def action_view_rewards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_reward_action"
        )
        action["domain"] = [("program_id", "=", self.id)]
        action["context"] = {"default_program_id": self.id}
        return action

    def action_view_reward_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_reward_request_action"
        )
        action["domain"] = [("program_id", "=", self.id)]
        return action


class LoyaltyB2bReward(models.Model):
    _inherit = "loyalty.b2b.reward"

    def write(self, vals):
        result = super().write(vals)
        if self.env.context.get("b2b_stamp_reward_sync"):
            return result
        # The stamp card's own reward edited in the catalogue: the program's
        # quotation reward follows.
        if {"product_id", "cost_stamps"} & set(vals):
            programs = (
                self.env["loyalty.b2b.program"]
                .sudo()
                .search([("stamp_reward_id", "in", self.ids)])
            )
            for program in programs:
                reward = program.stamp_reward_id
                program.with_context(b2b_stamp_reward_sync=True).write(
                    {
                        "stamp_reward_product_id": reward.product_id.id,
                        "stamps_required": reward.cost_stamps,
                    }
                )
        return result
