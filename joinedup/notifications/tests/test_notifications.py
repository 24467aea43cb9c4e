"""Notifications: a join across the boundary tells the teams holding the child's records."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.conftest import make_record
from joinedup.linkage.services import child_merge
from joinedup.notifications.models import Notification
from joinedup.notifications.services import notify


@pytest.mark.django_db
class TestAcrossTheBoundary:
    def test_a_join_spanning_both_areas_notifies_the_holders(self, world: Any) -> None:
        city_worker = world.user("practitioner", agency="city_csc")
        county_worker = world.user("practitioner", agency="county_csc")
        analyst = world.user("analyst", agency="county_csc")
        outsider = world.user("practitioner", agency="health")
        city = make_record(world, agency="city_csc", postcode="NG7 1AA", actor=city_worker)
        county = make_record(world, agency="county_csc", postcode="S80 1AA", actor=county_worker)
        assert city.area != county.area
        child_merge(actor=None, children=[city.child, county.child], reason="test")
        notified = set(Notification.objects.values_list("user__username", flat=True))
        assert {city_worker.username, county_worker.username} <= notified
        assert analyst.username not in notified and outsider.username not in notified
        note = Notification.objects.filter(user=city_worker).get()
        assert "City and County" in note.title or "County and City" in note.title
        assert note.url == reverse("children:detail", kwargs={"child_uuid": city.child.uuid})

    def test_the_notification_names_the_child_as_the_recipients_own_record_does(self, world: Any) -> None:
        city_worker = world.user("practitioner", agency="city_csc")
        county_worker = world.user("practitioner", agency="county_csc")
        city = make_record(
            world, agency="city_csc", postcode="NG7 1AA", actor=city_worker, given_names="Kieran", family_name="Oduya"
        )
        county = make_record(
            world,
            agency="county_csc",
            postcode="S80 1AA",
            actor=county_worker,
            given_names="Kiran",
            family_name="Oduya",
        )
        child_merge(actor=None, children=[city.child, county.child], reason="test")
        assert Notification.objects.get(user=city_worker).title.startswith("Kieran Oduya, ")
        assert Notification.objects.get(user=county_worker).title.startswith("Kiran Oduya, ")

    def test_a_join_within_one_area_notifies_nobody(self, world: Any) -> None:
        world.user("practitioner", agency="city_csc")
        a = make_record(world, agency="city_csc", postcode="NG7 1AA")
        b = make_record(world, agency="police", postcode="NG7 2AB")
        child_merge(actor=None, children=[a.child, b.child], reason="test")
        assert not Notification.objects.exists()

    def test_a_child_already_known_in_both_areas_is_not_announced_again(self, world: Any) -> None:
        world.user("practitioner", agency="city_csc")
        a = make_record(world, agency="city_csc", postcode="NG7 1AA")
        b = make_record(world, agency="county_csc", postcode="S80 1AA")
        child_merge(actor=None, children=[a.child, b.child], reason="test")
        first = Notification.objects.count()
        c = make_record(world, agency="police", postcode="NG7 1AA")
        a.refresh_from_db()
        child_merge(actor=None, children=[a.child, c.child], reason="test")
        assert Notification.objects.count() == first


@pytest.mark.django_db
class TestList:
    def test_unread_count_in_the_header_and_opening_marks_read(self, world: Any) -> None:
        user = world.user("practitioner")
        other = world.user("practitioner")
        notify(users=[user], kind="test", title="Something to know", url="/children/")
        notify(users=[other], kind="test", title="Not yours")
        client = Client()
        client.force_login(user)
        page = client.get(reverse("home")).content.decode()
        assert 'id="unread-count">1<' in page
        listing = client.get(reverse("notifications:list")).content.decode()
        assert "Something to know" in listing and "Not yours" not in listing
        note = Notification.objects.get(user=user)
        response = client.post(reverse("notifications:open", kwargs={"notification_uuid": note.uuid}))
        assert response.status_code == 302 and response["Location"] == "/children/"
        note.refresh_from_db()
        assert note.read_at is not None
        assert 'id="unread-count"' not in client.get(reverse("home")).content.decode()

    def test_another_users_notification_is_not_found(self, world: Any) -> None:
        user, other = world.user("practitioner"), world.user("practitioner")
        notify(users=[other], kind="test", title="Not yours")
        client = Client()
        client.force_login(user)
        note = Notification.objects.get()
        response = client.post(reverse("notifications:open", kwargs={"notification_uuid": note.uuid}))
        assert response.status_code == 404
        note.refresh_from_db()
        assert note.read_at is None

    def test_mark_all_read(self, world: Any) -> None:
        user = world.user("practitioner")
        notify(users=[user], kind="test", title="One")
        notify(users=[user], kind="test", title="Two")
        client = Client()
        client.force_login(user)
        client.post(reverse("notifications:all_read"))
        assert not Notification.objects.filter(read_at__isnull=True).exists()
