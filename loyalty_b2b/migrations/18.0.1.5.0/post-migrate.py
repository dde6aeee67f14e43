from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Each stamp program's single reward product becomes the first entry of
    its reward catalogue (the quotation's "Add the reward" keeps using it)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    programs = (
        env["loyalty.b2b.program"]
        .with_context(active_test=False)
        .search(
            [
                ("program_type", "=", "stamp"),
                ("stamp_reward_product_id", "!=", False),
                ("stamp_reward_id", "=", False),
            ]
        )
    )
    programs._sync_stamp_reward()
