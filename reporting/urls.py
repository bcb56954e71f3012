urlpatterns = []
app_name = "reporting"
