from dashboard.screen.format import money, money_short


def test_money_is_yuan_with_thousands_and_two_decimals():
    assert money(123456) == "¥1,234.56"
    assert money(0) == "¥0.00"
    assert money(5) == "¥0.05"
    assert money(-250) == "-¥2.50"
    assert money(123456789012) == "¥1,234,567,890.12"


def test_chart_labels_are_short():
    assert money_short(1_234_500) == "¥12.3k"
    assert money_short(99_900) == "¥999"
