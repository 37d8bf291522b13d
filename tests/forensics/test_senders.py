"""Sender habits learnt from the dump, leave-one-out."""

from __future__ import annotations

from contrefeu.leak.senders import EmailFacts, sender_findings
from contrefeu.org import OrgProfile, Person

ORG = OrgProfile(name="Avenir Commun", domains=("avenir-commun.fr",), timezone="Europe/Paris",
                 people=(Person("Claire Martin", ("c.martin@avenir-commun.fr",), "press"),))


def _mail(i: int, **kw) -> EmailFacts:
    base = dict(item_id=i, path=f"box/{i}.eml", from_addr="c.martin@avenir-commun.fr",
                date_utc="2017-03-10T09:00:00+00:00", offset_minutes=60,
                mailer_family="microsoft outlook", message_id_domain="avenir-commun.fr",
                message_id_shape="A9", passing_domains=frozenset({"avenir-commun.fr"}),
                signed_domains=frozenset({"avenir-commun.fr"}))
    base.update(kw)
    return EmailFacts(**base)


def test_habits_of_the_sender_flag_the_odd_message():
    mails = [_mail(i) for i in range(1, 7)]
    mails.append(_mail(99, offset_minutes=180, mailer_family="the bat!",
                       message_id_domain="mail.example", passing_domains=frozenset(),
                       signed_domains=frozenset()))
    found = sender_findings(mails, ORG)
    assert sorted(f.code for f in found[99]) == [
        "header-missing-usual-signature", "header-unusual-mailer", "header-unusual-message-id",
        "header-unusual-timezone",
    ]
    assert all(i not in found for i in range(1, 7))


def test_summer_time_of_the_org_timezone_is_not_unusual():
    mails = [_mail(i) for i in range(1, 7)]
    mails.append(_mail(50, offset_minutes=120, date_utc="2017-04-10T09:00:00+00:00"))
    assert 50 not in sender_findings(mails, ORG)


def test_too_few_messages_say_nothing():
    mails = [_mail(1), _mail(2), _mail(3), _mail(4, mailer_family="thunderbird")]
    assert sender_findings(mails, ORG) == {}


def test_staff_mail_signed_only_by_another_domain():
    found = sender_findings([_mail(7, passing_domains=frozenset({"webmail.example"}),
                                   signed_domains=frozenset({"webmail.example"}))], ORG)
    assert [f.code for f in found[7]] == ["header-staff-signed-elsewhere"]


def test_two_forgeries_from_the_same_machine_do_not_hide_each_other():
    mails = [_mail(i) for i in range(1, 21)]
    mails += [_mail(98, mailer_family="the bat!"), _mail(99, mailer_family="the bat!")]
    found = sender_findings(mails, ORG)
    assert [f.code for f in found[98]] == ["header-unusual-mailer"]
    assert [f.code for f in found[99]] == ["header-unusual-mailer"]


def test_copies_of_one_message_count_once():
    mails = [_mail(i, message_id=f"<{i}@x>") for i in range(1, 6)]
    # an unsigned copy of message 1 elsewhere in the dump, and a message that lacks the
    # signature: the copy must not water the habit down below its threshold
    mails.append(_mail(50, message_id="<1@x>", passing_domains=frozenset(),
                       signed_domains=frozenset()))
    mails.append(_mail(60, message_id="<60@x>", passing_domains=frozenset(),
                       signed_domains=frozenset()))
    found = sender_findings(mails, ORG)
    assert [f.code for f in found[60]] == ["header-missing-usual-signature"]


def test_a_correspondent_abroad_keeps_their_zone_through_daylight_saving():
    def ny(i: int, date: str, offset: int) -> EmailFacts:
        return _mail(i, from_addr="j.hart@herald.example", date_utc=date, offset_minutes=offset,
                     passing_domains=frozenset(), signed_domains=frozenset())

    mails = [ny(i, f"2017-02-{i + 1:02d}T15:00:00+00:00", -300) for i in range(8)]
    mails += [ny(20 + i, f"2017-04-{i + 1:02d}T15:00:00+00:00", -240) for i in range(8)]
    # 20 March: New York is already on summer time, Paris not yet: the shift to Paris changes
    mails.append(ny(40, "2017-03-20T15:00:00+00:00", -240))
    mails.append(ny(41, "2017-04-20T15:00:00+00:00", 180))       # written from Moscow
    found = sender_findings(mails, ORG)
    assert 40 not in found
    assert [f.code for f in found[41]] == ["header-unusual-timezone"]
