"""Parties of a case: persons, the company (KYB) and its beneficial owners."""

from django.db import models
from django_mongodb_backend.fields import ArrayField, EmbeddedModelField
from django_mongodb_backend.models import EmbeddedModel


class Address(EmbeddedModel):
    """Embedded in Company: always read with it, never queried alone."""

    street = models.CharField(max_length=200, blank=True, null=True)
    city = models.CharField(max_length=200, blank=True, null=True)
    state_province = models.CharField(max_length=200, blank=True, null=True)
    postal_code = models.CharField(max_length=200, blank=True, null=True)
    country = models.CharField(max_length=2)

    def __str__(self) -> str:
        parts = [self.street, self.postal_code, self.city, self.country]
        return ", ".join(part for part in parts if part)


class OwnerPerson(EmbeddedModel):
    """The person details embedded in a BeneficialOwner."""

    firstname = models.CharField(max_length=200)
    lastname = models.CharField(max_length=200)
    birthdate = models.DateField(null=True, blank=True)
    role_in_company = models.CharField(max_length=200, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.firstname} {self.lastname}"


class Company(models.Model):
    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    registered_name = models.CharField(max_length=200)
    trading_name = models.CharField(max_length=200, null=True, blank=True)
    registration_number = models.CharField(max_length=200)
    registration_date = models.DateField(null=True, blank=True)
    country_of_incorporation = models.CharField(max_length=2)
    registered_address = EmbeddedModelField(Address)
    business_type = models.CharField(max_length=200, null=True, blank=True)
    industry_sector = models.CharField(max_length=200, null=True, blank=True)
    version = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "companies"
        ordering = ["registered_name", "id"]
        verbose_name_plural = "companies"
        indexes = [
            models.Index(fields=["registration_number"], name="company_registration_number"),
            models.Index(fields=["registered_name", "id"], name="company_name"),
        ]

    def __str__(self) -> str:
        return self.registered_name


class Person(models.Model):
    """A natural person named on a case (KYC subject, or a KYB company's director/officer)."""

    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="persons")
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="persons"
    )
    firstname = models.CharField(max_length=200)
    lastname = models.CharField(max_length=200)
    birthdate = models.DateField(null=True, blank=True)
    role_in_company = models.CharField(max_length=200, null=True, blank=True)
    position = models.IntegerField(default=0, help_text="Order in the source message")
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a client update no longer names the person"
    )

    class Meta:
        db_table = "persons"
        ordering = ["case_id", "position"]
        indexes = [
            models.Index(fields=["case", "position"], name="person_case"),
            models.Index(fields=["company", "position"], name="person_company"),
            models.Index(fields=["lastname", "firstname"], name="person_name"),
        ]

    def __str__(self) -> str:
        return f"{self.firstname} {self.lastname}"


class BeneficialOwner(models.Model):
    id = models.UUIDField(primary_key=True, editable=False, db_column="_id")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="beneficial_owners")
    person = EmbeddedModelField(OwnerPerson)
    ownership_percentage = models.FloatField(null=True, blank=True)
    types_of_control = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    is_ubo = models.BooleanField(default=False)
    position = models.IntegerField(default=0, help_text="Order in the source message")
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a client update no longer names the owner"
    )

    class Meta:
        db_table = "beneficial_owners"
        ordering = ["company_id", "position"]
        indexes = [models.Index(fields=["company", "position"], name="owner_company")]

    def __str__(self) -> str:
        return str(self.person)
