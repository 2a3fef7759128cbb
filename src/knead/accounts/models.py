"""Users. A user belongs to practices through memberships (``knead.practice.models.Membership``)."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who signs in. What they may see depends on their role in each practice."""

    class Meta:
        db_table = "accounts_user"

    def __str__(self) -> str:
        return self.get_full_name() or self.username
