from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from knead.accounts.models import User

admin.site.register(User, UserAdmin)


def _superusers_only(request) -> bool:
    return request.user.is_active and request.user.is_superuser


# The Django admin sees every practice's data, so only site administrators may use it.
admin.site.has_permission = _superusers_only
