def post_init_hook(env):
    # Companies that already have a chart of accounts get the cashback defaults now;
    # the others get them when they load one.
    env["res.company"].search([])._b2b_setup_loyalty_accounting()
