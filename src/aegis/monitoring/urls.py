from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("proposals/<int:proposal_id>/", views.proposal, name="proposal"),
    path("proposals/<int:proposal_id>/edit/", views.edit, name="edit"),
    path("proposals/<int:proposal_id>/accept/", views.accept, name="accept"),
    path("proposals/<int:proposal_id>/merge/", views.merge, name="merge"),
    path("proposals/<int:proposal_id>/reject/", views.reject, name="reject"),
    path("merged/", views.merged, name="merged"),
    path("merged/<int:proposal_id>/add/", views.add_merged, name="add-merged"),
    path("sources/", views.source_list, name="sources"),
    path("sources/<int:source_id>/", views.source_detail, name="source"),
    path("sources/<int:source_id>/poll/", views.source_poll, name="source-poll"),
    path("articles/paste/", views.paste, name="paste"),
    path("articles/upload/", views.upload, name="upload"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign-new"),
    path("campaigns/<int:campaign_id>/", views.campaign, name="campaign"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="campaign-edit"),
]
