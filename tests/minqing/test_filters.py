from minqing.filters import chosen_id


def test_chosen_id_reads_ascii_digits_only():
    assert chosen_id({"village": "12"}, "village") == 12
    assert chosen_id({"village": "²"}, "village") is None  # a digit to str.isdigit(), not to int()
    assert chosen_id({"village": "١٢"}, "village") is None  # Arabic-Indic digits
    assert chosen_id({"village": "9" * 20}, "village") is None
    assert chosen_id({}, "village") is None and chosen_id(None, "village") is None
