import pytest
from django.core.exceptions import ValidationError

from households.phones import normalize_phone


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0851-12345678", "085112345678"),
        ("(0851) 1234567", "08511234567"),
        ("010-12345678", "01012345678"),
        ("０８５１－１２３４５６７８", "085112345678"),
    ],
)
def test_phones_are_normalised_to_digits(raw, digits):
    assert normalize_phone(raw) == digits


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",  # 1 then 2: no such mobile
        "1381234567",  # ten digits
        "138123456789",  # twelve digits
        "12345678",  # a landline without its area code
        "abc",
        "13812345678/13900001111",  # two numbers in one cell
    ],
)
def test_bad_phones_raise_a_chinese_message(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw)
    assert "电话号码格式不正确" in exc.value.messages[0]
