from django.contrib.auth import views as auth_views
from django.urls import path

from knead.accounts import security_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("two-factor/", security_views.two_factor_step, name="two_factor"),
    path("logout/", views.logout_view, name="logout"),
    path("ping/", views.ping, name="ping"),
    path("switch/", views.switch_practice, name="switch"),
    path("security/", security_views.security, name="security"),
    path(
        "security/two-factor/set-up/",
        security_views.two_factor_setup,
        name="two_factor_setup",
    ),
    path(
        "security/two-factor/turn-off/",
        security_views.two_factor_disable,
        name="two_factor_disable",
    ),
    path(
        "password-reset/",
        security_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        security_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
