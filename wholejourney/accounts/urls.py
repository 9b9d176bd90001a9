from django.urls import path

from wholejourney.accounts.views import auth, manage

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", auth.login_view, name="login"),
    path("accounts/logout/", auth.logout_view, name="logout"),
    path("accounts/two-factor/", auth.mfa_verify, name="mfa_verify"),
    path("accounts/two-factor/setup/", auth.mfa_setup, name="mfa_setup"),
    path("accounts/two-factor/recovery-codes/", auth.recovery_codes_new, name="recovery_codes_new"),
    path("accounts/password/", auth.password_change, name="password_change"),
    path("accounts/me/", auth.account, name="account"),
    path("manage/staff/", manage.user_list, name="user_list"),
    path("manage/staff/new/", manage.user_create, name="user_create"),
    path("manage/staff/<int:pk>/", manage.user_edit, name="user_edit"),
    path("manage/staff/<int:pk>/reset-password/", manage.user_reset_password, name="user_reset_password"),
    path("manage/staff/<int:pk>/reset-two-factor/", manage.user_reset_mfa, name="user_reset_mfa"),
    path("manage/teams/", manage.team_list, name="team_list"),
    path("manage/teams/new/", manage.team_create, name="team_create"),
    path("manage/teams/<int:pk>/", manage.team_edit, name="team_edit"),
    path("manage/offices/", manage.office_list, name="office_list"),
    path("manage/offices/new/", manage.office_create, name="office_create"),
    path("manage/offices/<int:pk>/", manage.office_edit, name="office_edit"),
]
