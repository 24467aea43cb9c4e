"""Django admin for partnership admins: configuration only, never children's records.

Every change made here is written to the audit trail, and nothing is deleted:
agencies, memberships and users are deactivated instead.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest

from joinedup.audit.services import audit_record
from joinedup.core.models import User
from joinedup.partnership.access import user_can
from joinedup.partnership.models import Agency, Area, District, Membership, Partnership, PostcodePrefix, Team
from joinedup.partnership.roles import Perm


class PartnershipAdminSite(admin.AdminSite):
    site_header = "Joined Up partnership administration"
    site_title = "Joined Up admin"
    index_title = "Partnership configuration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_superuser or user_can(user, Perm.ADMIN_PARTNERSHIP)))


admin_site = PartnershipAdminSite(name="admin")


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in {"password"}:
            continue
        if isinstance(value, (list, tuple)):
            out[key] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    return out


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit event in the same transaction as each admin change."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return admin_site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_site.has_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        old = _jsonable(model_to_dict(type(obj).objects.get(pk=obj.pk))) if change else {}
        super().save_model(request, obj, form, change)
        new = _jsonable(model_to_dict(obj))
        audit_record(
            actor=request.user,
            event=f"admin.{obj._meta.model_name}.{'changed' if change else 'added'}",
            obj=obj,
            old={k: v for k, v in old.items() if new.get(k) != v},
            new={k: v for k, v in new.items() if old.get(k) != v},
        )

    @transaction.atomic
    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            for obj in formset.new_objects + [o for o, _ in formset.changed_objects]:
                audit_record(actor=request.user, event=f"admin.{obj._meta.model_name}.saved", obj=obj)


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0
    fields = ["name"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Partnership, site=admin_site)
class PartnershipAdmin(AuditedAdmin):
    list_display = ["name", "is_synthetic"]


@admin.register(Area, site=admin_site)
class AreaAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "code", "partnership"]
    inlines = [DistrictInline]


@admin.register(District, site=admin_site)
class DistrictAdmin(AuditedAdmin):
    list_display = ["name", "area"]
    list_filter = ["area"]


@admin.register(PostcodePrefix, site=admin_site)
class PostcodePrefixAdmin(AuditedAdmin):
    list_display = ["prefix", "district", "latitude", "longitude"]
    list_filter = ["district__area"]
    search_fields = ["prefix"]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ["name"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agency, site=admin_site)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "agency_type", "is_active"]
    list_filter = ["agency_type", "areas", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["areas"]
    inlines = [TeamInline]


@admin.register(Team, site=admin_site)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "agency"]
    list_filter = ["agency"]


@admin.register(Membership, site=admin_site)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "agency", "team", "role", "is_active"]
    list_filter = ["role", "agency", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    max_num = 1
    fields = ["agency", "team", "role", "is_active"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User, site=admin_site)
class JoinedUpUserAdmin(AuditedAdmin, UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    # Partnership admins manage who works where; they do not hand out superuser.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal details", {"fields": ("first_name", "last_name", "email")}),
        ("Status", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
