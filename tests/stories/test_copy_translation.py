"""wagtail-modeltranslation's copy_translation_content endpoint answered 500; it is switched off with a 404, and the
page editor keeps working without its copy buttons."""

import json

import pytest
from wagtail.models import Page

from ..facilitation.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    world = build_world()
    client.force_login(world.users["editor"])
    return client


def test_copy_translation_content_is_a_404_not_a_500(editor):
    page = Page.objects.filter(depth__gt=1).first() or Page.get_first_root_node()
    url = f"/admin/pages/{page.pk}/edit/copy_translation_content/"
    ajax = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
    data = {"origin_field_name": "body_kk", "target_field_name": "body_ru", "serializedOriginField": json.dumps([])}
    assert editor.post(url, data, **ajax).status_code == 404
    assert editor.post(url, {}).status_code == 404
    assert editor.get(url).status_code == 404
    assert editor.post("/admin/pages/999999/edit/copy_translation_content/", data, **ajax).status_code == 404


def test_page_editor_still_opens_without_the_copy_buttons(editor):
    page = Page.objects.filter(depth__gt=1).first()
    if page is None:
        pytest.skip("no page in the tree")
    response = editor.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    assert "copy_stream_fields.js" not in response.content.decode()
