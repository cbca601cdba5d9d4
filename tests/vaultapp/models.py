from django.db import models

from aegis.vault.fields import BlindIndexField, EncryptedTextField


class ProtectedNote(models.Model):
    data_key = models.ForeignKey("vault.DataKey", on_delete=models.PROTECT)
    name = EncryptedTextField()
    name_index = BlindIndexField(source="name", kind="name")
    phone = EncryptedTextField()
    phone_index = BlindIndexField(source="phone", kind="phone")
    body = EncryptedTextField()
    country = models.CharField(max_length=2, blank=True)  # analytic projection: plaintext

    def __str__(self) -> str:
        return f"note {self.pk}"
