"""Validation of each question against the one form definition."""

from datetime import date

import pytest

from referrals.form_definition import BY_NAME, FIELDS, LAYOUT, field_order
from referrals.validation import clean_text, validate

from referral_helpers import valid_answers

TODAY = date(2025, 6, 15)


def check(**changes):
    answers = valid_answers(**{"due_date-month": "9", "due_date-year": "2025", **changes})
    return validate(answers, today=TODAY)


def test_a_complete_referral_is_valid_and_answers_are_exactly_what_was_typed():
    result = check()
    assert result.ok, result.errors
    assert result.answers["full_name"] == "Zoë Ødegård-Nguyễn"
    assert result.answers["worries"] == "I don't feel close to my baby.\nI feel guilty about it."
    assert result.notes == {"area": "oxfordshire", "child_age": "pregnant"}


def test_an_empty_form_gets_one_message_per_required_question_in_page_order():
    result = validate({}, today=TODAY)
    assert list(result.errors) == [
        "full_name", "phone", "preferred_contact", "leave_message", "location",
        "baby_status", "relationship", "consent",
    ]
    assert result.errors["full_name"].message == "Enter your full name"
    assert result.errors["phone"].message == "Enter a phone number or an email address"
    assert result.errors["consent"].message == "Select that you agree we can store your details and contact you"
    assert result.answers == {}


@pytest.mark.parametrize(
    "name",
    ["José Ángel", "Nguyễn Thị Minh Khai", "Siobhán O'Sullivan-Ní Bhriain", "محمد أحمد", "王小明", "Ōta 太郎 🙂", "X Æ"],
)
def test_unicode_names_are_accepted_as_typed(name):
    result = check(full_name=name)
    assert result.ok, result.errors
    assert result.answers["full_name"] == clean_text(name)


def test_names_are_trimmed_and_invisible_characters_removed():
    result = check(full_name="  Amy\u200b  \x00Smith\t ")
    assert result.answers["full_name"] == "Amy Smith"


def test_an_answer_of_only_spaces_counts_as_empty():
    assert check(full_name="   \n ").errors["full_name"].message == "Enter your full name"


def test_decomposed_unicode_is_normalised_so_lengths_are_fair():
    result = check(full_name="Zoe\u0308")
    assert result.answers["full_name"] == "Zoë"


@pytest.mark.parametrize(
    "field, limit",
    [(f.name, f.max_length) for f in FIELDS if f.max_length and f.kind in ("text", "textarea") and not f.nested],
)
def test_text_at_the_limit_is_fine_and_one_over_is_an_error_not_a_cut(field, limit):
    assert field not in check(**{field: "a" * limit}).errors
    result = check(**{field: "a" * (limit + 1)})
    assert result.errors[field].message == BY_NAME[field].messages["too_long"]
    assert result.values[field] == "a" * (limit + 1), "the answer is kept whole so the parent can shorten it"


def test_very_long_text_is_refused_kindly_and_kept():
    long = "I am so tired. " * 2000  # 30,000 characters
    result = check(worries=long)
    assert result.errors["worries"].message == "What is worrying you must be 2,000 characters or fewer"
    assert result.values["worries"] == long.strip()


def test_emoji_count_as_one_character_each():
    assert "worries" not in check(worries="🙂" * 2000).errors
    assert "worries" in check(worries="🙂" * 2001).errors


def test_worries_keep_their_line_breaks():
    result = check(worries="line one\r\n\r\nline two  ")
    assert result.answers["worries"] == "line one\n\nline two"


@pytest.mark.parametrize("phone", ["07700 900 982", "01865 123456", "+44 7700 900982", "(01865) 123-456", "+353 1 234 5678"])
def test_phone_numbers_in_common_shapes_are_accepted(phone):
    assert check(phone=phone).ok


@pytest.mark.parametrize("phone", ["12345", "0770090098212345678", "call me", "07700 900 98x", "=1+1"])
def test_phone_numbers_that_cannot_be_dialled_get_an_example(phone):
    message = check(phone=phone).errors["phone"].message
    assert message.startswith("Enter a phone number, like")


@pytest.mark.parametrize("email", ["a@b.co", "first.last+tag@example.org.uk", "zoë@exämple.com", "x@xn--bcher-kva.example"])
def test_valid_email_addresses(email):
    assert check(email=email).ok


@pytest.mark.parametrize("email", ["name@", "@example.com", "name@example", "name example@example.com", "a@b.c", "a@@b.com"])
def test_invalid_email_addresses_get_the_govuk_message(email):
    assert check(email=email).errors["email"].message == (
        "Enter an email address in the correct format, like name@example.com"
    )


def test_one_way_to_contact_is_enough():
    assert check(email="", preferred_contact="phone").ok
    assert check(phone="", preferred_contact="email").ok


def test_the_preferred_way_must_be_one_that_was_given():
    assert check(phone="", preferred_contact="phone").errors["phone"].message == (
        "Enter a phone number, or choose email as the best way to contact you"
    )
    assert check(email="", preferred_contact="email").errors["email"].message == (
        "Enter an email address, or choose phone as the best way to contact you"
    )


@pytest.mark.parametrize("field", ["preferred_contact", "leave_message", "baby_status", "relationship"])
def test_radios_must_be_one_of_the_choices(field):
    assert field in check(**{field: ""}).errors
    assert field in check(**{field: "something-else"}).errors


def test_consent_must_be_given_separately():
    assert check(consent="").errors["consent"].message.startswith("Select that you agree")
    assert "consent" in check(consent="no").errors


def test_out_of_area_is_not_an_error_but_a_note():
    result = check(location="LS1 4AP")
    assert result.ok
    assert result.notes["area"] == "outside"


def test_a_village_we_do_not_know_is_fine():
    result = check(location="Little Snoring")
    assert result.ok and result.notes["area"] == "unknown"


class TestDueDate:
    def test_due_next_months_is_fine(self):
        assert check(**{"due_date-month": "3", "due_date-year": "2026"}).ok

    def test_a_baby_a_little_late_is_still_fine(self):
        assert check(**{"due_date-month": "5", "due_date-year": "2025"}).ok

    def test_long_past_due_date(self):
        message = check(**{"due_date-month": "1", "due_date-year": "2025"}).errors["due_date"].message
        assert message.startswith("Due date must be this month or later")

    def test_too_far_ahead(self):
        assert check(**{"due_date-month": "6", "due_date-year": "2026"}).errors["due_date"].message == (
            "Due date must be within the next 10 months"
        )

    def test_missing_parts(self):
        assert check(**{"due_date-month": "", "due_date-year": ""}).errors["due_date"].message == "Enter your due date"
        err = check(**{"due_date-month": "", "due_date-year": "2025"}).errors["due_date"]
        assert err.message == "Due date must include a month" and err.target == "due_date-month"

    def test_not_a_real_month(self):
        assert check(**{"due_date-month": "13"}).errors["due_date"].message == "Due date must be a real date"
        # Digits typed in Arabic script are read as digits (an Arabic keyboard types them): ١٣ is 13.
        assert check(**{"due_date-month": "١٣"}).errors["due_date"].message == "Due date must be a real date"
        assert check(**{"due_date-month": "x"}).errors["due_date"].message == "Due date must be a real date"

    def test_two_digit_year(self):
        assert check(**{"due_date-year": "25"}).errors["due_date"].message == "Year must include 4 numbers"

    def test_ignored_when_the_baby_is_born(self):
        result = check(baby_status="born", **{"due_date-month": "xx", "birth_date-day": "1", "birth_date-month": "5", "birth_date-year": "2025"})
        assert result.ok
        assert "due_date-month" not in result.answers


class TestBirthDate:
    def born(self, d, m, y):
        return check(baby_status="born", **{"birth_date-day": d, "birth_date-month": m, "birth_date-year": y})

    def test_a_young_baby(self):
        result = self.born("1", "2", "2025")
        assert result.ok and result.notes["child_age"] == "under_2"

    def test_an_older_child_is_kept_and_noted(self):
        result = self.born("1", "2", "2022")
        assert result.ok and result.notes["child_age"] == "over_2"

    def test_just_under_and_just_over_two(self):
        assert self.born("16", "6", "2023").notes["child_age"] == "under_2"
        assert self.born("15", "6", "2023").notes["child_age"] == "over_2"

    def test_not_a_real_date(self):
        assert self.born("30", "2", "2025").errors["birth_date"].message == "Date of birth must be a real date"

    def test_in_the_future(self):
        assert self.born("16", "6", "2025").errors["birth_date"].message == "Date of birth must be today or in the past"

    def test_the_parents_own_birthday_is_caught_kindly(self):
        message = self.born("3", "4", "1990").errors["birth_date"].message
        assert message == "Date of birth must be after 15 June 2007. Enter your child’s date of birth, not your own"

    def test_missing_day_points_at_the_day_box(self):
        err = self.born("", "2", "2025").errors["birth_date"]
        assert err.message == "Date of birth must include a day"
        assert err.target == "birth_date-day" and err.parts == ("birth_date-day",)

    def test_spaces_inside_numbers_are_forgiven(self):
        assert self.born(" 1 ", "0 2", "2 025").ok


def test_relationship_other_needs_a_few_words():
    assert check(relationship="other").errors["relationship_other"].message == "Enter how you care for the baby"
    result = check(relationship="other", relationship_other="Grandmother")
    assert result.ok and result.answers["relationship_other"] == "Grandmother"


def test_unknown_inputs_are_ignored_not_stored():
    result = validate({**valid_answers(), "is_admin": "1", "sealed": "x"}, today=date.today())
    assert result.ok
    assert "is_admin" not in result.answers and "sealed" not in result.answers


def test_the_definition_places_every_question_once():
    assert sorted(f.name for f in field_order()) == sorted(BY_NAME)
    assert LAYOUT[0] == "full_name" and LAYOUT[-1] == "consent"


def test_every_question_has_a_hint_that_says_why_we_ask():
    for f in FIELDS:
        if f.kind in ("text", "tel", "email", "textarea", "radios", "checkbox"):
            assert f.hint or f.hint_html, f"{f.name} has no hint"


@pytest.mark.parametrize(
    "location, expected",
    [
        ("OX4 1AA", "oxfordshire"), ("ox11 7ab", "oxfordshire"), ("Henley RG9 1AA", "oxfordshire"),
        ("Didcot", "oxfordshire"), ("Banbury, Oxfordshire", "oxfordshire"),
        ("Leeds LS1 4AP", "outside"), ("SW1A1AA", "outside"), ("Reading RG1 1AA", "outside"),
        ("Little Snoring", "unknown"), ("near the park", "unknown"),
    ],
)
def test_area_guess_for_the_intake_team(location, expected):
    from referrals.area import classify

    assert classify(location) == expected
