from django.urls import path

from . import lifecycle_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_view, name="password"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke_view, name="token-revoke"),
    path("users/", views.users_view, name="users"),
    path("users/new/", views.user_create_view, name="user-create"),
    path("users/<int:user_id>/", lifecycle_views.user_detail_view, name="user"),
    path("users/<int:user_id>/contact/", lifecycle_views.user_channels_view, name="user-contact"),
    path("users/<int:user_id>/role/", lifecycle_views.user_role_view, name="user-role"),
    path(
        "users/<int:user_id>/<slug:action>/",
        lifecycle_views.user_action_view,
        name="user-action",
    ),
    path("enrol/", lifecycle_views.enrol_view, name="enrol"),
    path("contact/", lifecycle_views.my_channels_view, name="contact"),
    path("search-access/", views.search_access_view, name="search-access"),
    path(
        "search-access/<int:user_id>/grant/",
        views.search_access_grant_view,
        name="search-access-grant",
    ),
]
