# US English: "Thu, Dec 3, 2026", "9:00 AM".
DATE_FORMAT = "D, M j, Y"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "D, M j, Y, g:i A"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "D, M j"
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, g:i A"
# The portal's own (portal.dates.short_month): a month in a chart's column, "Dec 26".
SHORT_MONTH_FORMAT = "M y"
