from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.log_view, name="log"),
    path("check/", views.check_request, name="check"),
    path("checkpoints/", views.checkpoint_take, name="checkpoint-take"),
    path(
        "checkpoints/<int:checkpoint_id>.json",
        views.checkpoint_statement,
        name="checkpoint-statement",
    ),
    path(
        "checkpoints/<int:checkpoint_id>.json.minisig",
        views.checkpoint_signature,
        name="checkpoint-signature",
    ),
    path("public-key.pub", views.public_key, name="public-key"),
]
