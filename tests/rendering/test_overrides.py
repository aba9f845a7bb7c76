"""A shop overrides any template file without code; shop templates run sandboxed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.runtime.rendering import Renderer, RenderError
from services.runtime.rendering.samples import sample_context
from services.runtime.rendering.shop_folder import template_folder

KIND = "order_confirmation"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def overrides(tmp_path: Path) -> Path:
    write(tmp_path / "shop-42" / "pl" / f"{KIND}.subject.j2", "Sklep 42 dziękuje: {{ order_id }}")
    write(tmp_path / "pl" / f"{KIND}.subject.j2", "Dla wszystkich: {{ order_id }}")
    return tmp_path


def subject(renderer: Renderer, shop_id: str | None, locale: str = "pl") -> str:
    context = sample_context(KIND, locale)
    return renderer.render(KIND, locale, context, shop_id=shop_id).subject


def test_a_shop_file_wins_for_that_shop_only(overrides: Path) -> None:
    renderer = Renderer(overrides)
    assert subject(renderer, "shop-42") == "Sklep 42 dziękuje: ZO-2026-1042"
    assert subject(renderer, "shop-7") == "Dla wszystkich: ZO-2026-1042"
    assert subject(renderer, None) == "Dla wszystkich: ZO-2026-1042"
    # Only the overridden file changes: the rest comes from the package.
    context = sample_context(KIND, "pl")
    message = renderer.render(KIND, "pl", context, shop_id="shop-42")
    assert "Dziękujemy za zamówienie ZO-2026-1042" in message.text
    assert subject(renderer, "shop-42", "en") == "Order ZO-2026-1042 confirmed"


def test_without_overrides_the_package_templates_are_used(overrides: Path) -> None:
    assert subject(Renderer(), "shop-42") == "Potwierdzenie zamówienia ZO-2026-1042"


def test_a_shop_can_override_the_layout(tmp_path: Path) -> None:
    write(
        tmp_path / "shop-42" / "pl" / "_layout.txt.j2",
        "Witaj w Sklepie 42!\n{% block content %}{% endblock %}\n-- Sklep 42\n",
    )
    renderer = Renderer(tmp_path)
    text = renderer.render(KIND, "pl", sample_context(KIND, "pl"), shop_id="shop-42").text
    assert text.startswith("Witaj w Sklepie 42!")
    assert "ZO-2026-1042" in text
    other = renderer.render(KIND, "pl", sample_context(KIND, "pl"), shop_id="shop-7").text
    assert other.startswith("Dzień dobry")


def test_an_edited_override_is_picked_up(overrides: Path) -> None:
    renderer = Renderer(overrides)
    assert subject(renderer, "shop-42").startswith("Sklep 42 dziękuje")
    path = overrides / "shop-42" / "pl" / f"{KIND}.subject.j2"
    path.write_text("Nowy temat {{ order_id }}", encoding="utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert subject(renderer, "shop-42") == "Nowy temat ZO-2026-1042"


def test_a_shop_that_appears_later_gets_its_own_templates(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path)
    assert subject(renderer, "shop-9") == "Potwierdzenie zamówienia ZO-2026-1042"
    write(tmp_path / "shop-9" / "pl" / f"{KIND}.subject.j2", "Sklep 9: {{ order_id }}")
    assert subject(renderer, "shop-9") == "Sklep 9: ZO-2026-1042"


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ order_id.__class__ }}",
        "{{ items.append(1) }}",
        "{{ shop.update({'name': 'x'}) }}",
        "{{ no_such_key }}",
        "{{ shop.fax }}",
        "{% include '../../../etc/passwd' %}",
        "{{ customer_name is defined and none }}",
    ],
)
def test_override_templates_are_sandboxed(tmp_path: Path, template: str) -> None:
    write(tmp_path / "shop-42" / "pl" / f"{KIND}.subject.j2", template)
    with pytest.raises(RenderError):
        subject(Renderer(tmp_path), "shop-42")


@pytest.mark.parametrize("shop_id", ["../etc", "a/b", ".hidden", "..", "~x"])
def test_a_shop_id_cannot_escape_the_override_folder(tmp_path: Path, shop_id: str) -> None:
    overrides = tmp_path / "overrides"
    # Files a path-like shop id would reach if it were used as a path.
    for target in (tmp_path / "etc", overrides / "a" / "b", overrides / ".hidden", tmp_path):
        write(target / "pl" / f"{KIND}.subject.j2", "escaped {{ order_id }}")
    write(overrides / "pl" / f"{KIND}.subject.j2", "shared {{ order_id }}")
    assert subject(Renderer(overrides), shop_id) == "shared ZO-2026-1042"


@pytest.mark.parametrize(
    ("shop_id", "folder"),
    [
        ("shop-42", "shop-42"),
        ("sklep-łódź", "sklep-%C5%82%C3%B3d%C5%BA"),
        ("acme.pl:main", "acme.pl%3Amain"),
        ("shop 42", "shop%2042"),
        ("🛒", "%F0%9F%9B%92"),
        ("../etc", "%2E.%2Fetc"),
        (".hidden", "%2Ehidden"),
        ("a~b", "a%7Eb"),
    ],
)
def test_any_shop_id_the_contract_allows_has_its_own_folder(
    tmp_path: Path, shop_id: str, folder: str
) -> None:
    assert template_folder(shop_id) == folder
    write(tmp_path / folder / "pl" / f"{KIND}.subject.j2", "własny {{ order_id }}")
    assert subject(Renderer(tmp_path), shop_id) == "własny ZO-2026-1042"
    assert subject(Renderer(tmp_path), "shop-7") == "Potwierdzenie zamówienia ZO-2026-1042"


def test_a_shop_id_too_long_to_encode_gets_a_hashed_folder(tmp_path: Path) -> None:
    shop_id = "ż" * 128  # 256 bytes of UTF-8, 768 characters encoded
    folder = template_folder(shop_id)
    assert folder.startswith("~") and len(folder) == 41
    assert template_folder("ź" * 128) != folder
    write(tmp_path / folder / "pl" / f"{KIND}.subject.j2", "długi {{ order_id }}")
    assert subject(Renderer(tmp_path), shop_id) == "długi ZO-2026-1042"


def test_a_shared_piece_included_into_html_escapes(tmp_path: Path) -> None:
    write(tmp_path / "shop-42" / "pl" / "_hello.j2", "<b>{{ customer_name }}</b>")
    write(tmp_path / "shop-42" / "pl" / f"{KIND}.html.j2", '{% include "pl/_hello.j2" %}')
    context = {**sample_context(KIND, "pl"), "customer_name": "<script>alert(1)</script>"}
    message = Renderer(tmp_path).render(KIND, "pl", context, shop_id="shop-42")
    assert message.html == "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>\n"
