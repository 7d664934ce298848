from django.urls import path

from . import views

urlpatterns = [
    path("", views.collection, name="bookmarks"),
    path("<str:slug>/", views.detail, name="bookmark"),
]
