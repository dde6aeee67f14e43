from . import loyalty_b2b_liability_report
