from . import account_chart_template_demo
