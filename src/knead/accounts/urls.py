from django.urls import path

from knead.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("ping/", views.ping, name="ping"),
    path("switch/", views.switch_practice, name="switch"),
    path("locked/", views.locked_members, name="locked"),
]
