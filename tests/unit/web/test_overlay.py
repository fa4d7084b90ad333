"""A shared rendering cut at its readers' parts and filled for each reader (app/web/overlay.py)."""
import pytest

from app.web.overlay import choice, compile_page, slot


def _page(*parts) -> bytes:
    return "".join(str(p) for p in parts).encode()


def test_each_reader_gets_their_slots_and_their_pick_of_every_choice_with_that_key():
    body = _page("<h1>", slot("me"), "</h1>",
                 choice("v7"), "<b up>", choice(), "<b up pressed>", choice(), "<b up no>",
                 choice(end=True), " score ",
                 choice("v7"), "<b down>", choice(), "<b down no>", choice(), "<b down pressed>",
                 choice(end=True), "<input value=", slot("csrf"), ">")
    program = compile_page(body)
    values = {"me": b"ana", "csrf": b"t0k"}
    assert program.fill(values, {}) == b"<h1>ana</h1><b up> score <b down><input value=t0k>"
    assert program.fill(values, {"v7": 2}) == \
        b"<h1>ana</h1><b up no> score <b down pressed><input value=t0k>"
    assert program.fill({"me": b"bo", "csrf": b"x"}, {"v7": 1, "v9": 2}) == \
        b"<h1>bo</h1><b up pressed> score <b down no><input value=x>"
    assert b"\x00" not in program.fill(values, {"v7": 1})


def test_a_slot_inside_a_variant_is_filled_whichever_variant_is_picked():
    body = _page(choice("w"), "<form ", slot("csrf"), ">", choice(), "<form muted ", slot("csrf"),
                 ">", choice(end=True))
    program = compile_page(body)
    assert program.fill({"csrf": b"a"}, {}) == b"<form a>"
    assert program.fill({"csrf": b"b"}, {"w": 1}) == b"<form muted b>"
    assert program.fill({"csrf": b"c"}, {"w": 0}) == b"<form c>"


@pytest.mark.parametrize("marks", [(choice(),), (choice(end=True),), (choice("a"),),
                                   (choice("a"), choice("b"))])
def test_unbalanced_marks_are_refused_when_the_page_is_kept(marks):
    with pytest.raises(ValueError):
        compile_page(_page("<p>", *marks, "</p>"))
