# Latin American Spanish: "jueves 3 de diciembre de 2026", "3 dic. 2026", "9:00" (24 hours).
# Django's Spanish abbreviations of weekdays and months ("Jue", "Dic") are capitalized, which
# Spanish does not do; the full names and "N" ("dic.") read right.
DATE_FORMAT = r"l j \d\e F \d\e Y"
TIME_FORMAT = "G:i"
DATETIME_FORMAT = r"l j \d\e F \d\e Y, G:i"
YEAR_MONTH_FORMAT = r"F \d\e Y"
MONTH_DAY_FORMAT = r"l j \d\e F"
SHORT_DATE_FORMAT = r"j N Y"
SHORT_DATETIME_FORMAT = r"j N, G:i"
# The portal's own (portal.dates.short_month): a month in a chart's column, "dic. 26".
SHORT_MONTH_FORMAT = r"N y"
