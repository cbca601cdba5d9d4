from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("public/", views.index, name="public"),
    path("public/chart/<slug:slug>.svg", views.chart, name="chart"),
    path("public/map.svg", views.world_map, name="map"),
    path("public/data.csv", views.data_csv, name="data-csv"),
    path("public/data.json", views.data_json, name="data-json"),
    path("public/codebook", views.codebook, name="codebook"),
    path("public/methods", views.methods, name="methods"),
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/annual/", views.annual_index, name="annual"),
    path("reports/annual/<int:year>/", views.annual_html, name="annual-html"),
    path("reports/annual/<int:year>.pdf", views.annual_pdf, name="annual-pdf"),
]
