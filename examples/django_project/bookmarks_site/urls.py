from django.urls import include, path

urlpatterns = [path("bookmarks/", include("bookmarks.urls"))]
