"""What the seed wrote, so that the next seed can tell it from an administrator's change."""

from django.db import models


class SeededValue(models.Model):
    """The value the seed last gave a field of a row, named ``<model label>.<pk>.<field>``."""

    name = models.CharField(max_length=200, unique=True)
    value = models.TextField()

    def __str__(self):
        return self.name
