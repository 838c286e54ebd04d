from django.urls import path

from . import views

app_name = "help"

urlpatterns = [
    path("<slug:key>/", views.home, name="home"),
    path("<slug:key>/<str:lang>/", views.categories, name="categories"),
    path("<slug:key>/<str:lang>/search/", views.search, name="search"),
    path("<slug:key>/<str:lang>/articles/<slug:slug>/", views.article, name="article"),
]
