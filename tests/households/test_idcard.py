import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from households.idcard import id_number_for, parse_id_number


@pytest.mark.parametrize(
    ("value", "birth", "sex"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "F"),
        ("440524188001010014", dt.date(1880, 1, 1), "M"),
    ],
)
def test_the_issues_valid_examples_pass_and_give_birth_date_and_sex(value, birth, sex):
    info = parse_id_number(value)
    assert (info.number, info.birth_date, info.sex) == (value, birth, sex)


@pytest.mark.parametrize(
    "value", ["11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ", " 110105 19491231 002X "]
)
def test_lower_case_x_full_width_digits_and_spaces_are_normalised(value):
    assert parse_id_number(value).number == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", "校验位不正确"),  # wrong check character (should be X)
        ("440524188001010015", "校验位不正确"),
        ("110105194902300028", "出生日期（1949-02-30）不存在"),  # 30 February
        ("110105194913010028", "不存在"),  # month 13
        ("11010519491231002", "应为18位，当前为17位"),
        ("11010519491231002X1", "当前为19位"),
        ("1101051949123100AX", "前17位应为数字"),
        ("110105209901010011", "不合理"),  # born in the future
    ],
)
def test_invalid_numbers_raise_a_chinese_message(value, message):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(value)
    assert message in exc.value.messages[0]


def test_generated_numbers_are_valid_and_carry_sex_in_the_sequence():
    male = id_number_for("520521", dt.date(1990, 5, 17), 13)
    female = id_number_for("520521", dt.date(1990, 5, 17), 14)
    assert parse_id_number(male).sex == "M"
    assert parse_id_number(female).sex == "F"
    assert parse_id_number(female).birth_date == dt.date(1990, 5, 17)
