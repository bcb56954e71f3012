urlpatterns = []
app_name = "referrals"
