"""Factories for programme data; the tests and the demo command build from these."""

import factory

from .models import Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:02d}")
    name_kk = factory.LazyAttribute(lambda o: f"Өңір {o.code}")
    name_ru = factory.LazyAttribute(lambda o: f"Регион {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Region {o.code}")
