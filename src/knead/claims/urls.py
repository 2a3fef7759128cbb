from django.urls import path

from knead.claims import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("new/", views.claim_new, name="new"),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/scrub/", views.claim_scrub, name="scrub"),
    path("<int:pk>/move/", views.claim_move, name="move"),
    path("<int:pk>/correct/", views.claim_correct, name="correct"),
    path("<int:pk>/cms1500/", views.claim_cms1500, name="cms1500"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/new/", views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/download/", views.batch_download, name="batch_download"),
    path("batches/<int:pk>/send/", views.batch_send, name="batch_send"),
    path("acknowledgements/upload/", views.ack_upload, name="ack_upload"),
    path("acknowledgements/<int:pk>/", views.ack_detail, name="ack"),
    path("eligibility/coverage/<int:pk>/", views.eligibility_new, name="eligibility_new"),
    path("eligibility/<int:pk>/", views.eligibility_detail, name="eligibility"),
    path("eligibility/<int:pk>/270/", views.eligibility_download, name="eligibility_download"),
    path("eligibility/<int:pk>/271/", views.eligibility_import, name="eligibility_import"),
]
