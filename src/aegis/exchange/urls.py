from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.home, name="home"),
    path("aegis-exchange.pub", views.public_key, name="public-key"),
    path("partners/add/", views.partner_add, name="partner-add"),
    path("partners/<int:partner_id>/", views.partner, name="partner"),
    path("partners/<int:partner_id>/rotate/", views.partner_rotate, name="partner-rotate"),
    path("partners/<int:partner_id>/vet/", views.partner_vet, name="partner-vet"),
    path("export/", views.export, name="export"),
    path("import/", views.import_bundle, name="import"),
    path("received/<int:received_id>/", views.received, name="received"),
    path("quarantine/<int:quarantined_id>/", views.item, name="item"),
]
