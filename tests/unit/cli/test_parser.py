"""A run builds only the parser of the command it names, and parses exactly as the whole tree."""

from __future__ import annotations

import argparse

import pytest

from dodnews.cli.main import build_parser, command_names, main


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sub.choices


def _helps(parser: argparse.ArgumentParser) -> list[str]:
    """The help of a parser and of every parser below it."""
    found = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _helps(child)
    return found


def test_every_command_module_registers_the_command_it_is_named_after() -> None:
    names = command_names()
    assert {"archive", "crawl", "diff", "extract", "monitor", "report"} <= set(names)
    for name in names:
        assert list(_choices(build_parser(only=name))) == [name]
    assert list(_choices(build_parser())) == names


@pytest.mark.parametrize("name", command_names())
def test_one_command_alone_reads_and_helps_as_in_the_whole_tree(name: str) -> None:
    whole, alone = _choices(build_parser())[name], _choices(build_parser(only=name))[name]
    assert _helps(alone) == _helps(whole)


def test_a_mistyped_command_still_lists_every_command(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["dif", "a.html", "b.html"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'dif'" in err and "'diff'" in err and "'crawl'" in err


def test_bare_help_lists_every_command(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in command_names():
        assert name in out
