"""How a pressearch command parses its arguments and how its failures end.

Model: every `PressearchError` becomes one `Error: …` line on stderr and an
exit code, in one place (`ExitCodeGroup`): 2 for usage errors (a bad option,
a malformed query), 1 for runtime failures, 130 for Ctrl-C; a usage error
Click finds is one line naming `--help`; anything else is a bug, reported in
one line unless `pressearch --debug` asks for the traceback. `Command` and
`TextFirstCommand` make help and argument parsing read as people expect.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Sequence
from itertools import islice
from typing import Any, NoReturn

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperCommand, TyperGroup

from pressearch.cli.coercion import quicken

USAGE_EXIT = 2
RUNTIME_EXIT = 1
# ctx.meta key: `pressearch --debug` shows the traceback of an internal error.
DEBUG = "pressearch.debug"


def exit_code(exc: Exception) -> int:
    from pressearch.errors import UsageError

    return USAGE_EXIT if isinstance(exc, UsageError) else RUNTIME_EXIT


def fail(message: str, code: int) -> NoReturn:
    error(message)
    raise typer.Exit(code)


def error(message: str) -> None:
    """`Error: message` on stderr, control characters (from file names) made visible."""
    from pressearch.escape import visible_line

    typer.echo(f"Error: {visible_line(message)}", err=True)


class ExitCodeGroup(TyperGroup):
    """Maps the library's exceptions to `Error: …` and exit codes, for every command.

    A usage error (a bad option, a missing argument) is one `Error:` line and
    a hint naming `--help`, instead of Click's usage block. Option values are
    turned without Pydantic when they can be (`coercion`).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # Here, not at __init__: Typer adds the completion options afterwards,
        # and the help option is made on demand.
        quicken(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        def run() -> Any:
            return super(ExitCodeGroup, self).main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )

        if not standalone_mode:
            return run()
        try:
            code = run()
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(USAGE_EXIT)
        except ClickUsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "pressearch"
            error(f"{exc.format_message()} (see `{command} --help`)")
            sys.exit(USAGE_EXIT)
        except ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except typer.Abort:
            error("aborted")
            sys.exit(RUNTIME_EXIT)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        from pressearch.errors import Interrupted, PressearchError

        try:
            return super().invoke(ctx)
        except PressearchError as exc:
            fail(one_line(str(exc)), exit_code(exc))
        except KeyboardInterrupt as exc:
            # An index run says what it kept; anything else was only reading.
            fail(one_line(str(exc)) if isinstance(exc, Interrupted) else "interrupted", 130)
        except BrokenPipeError:
            quiet_broken_pipe()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            if ctx.meta.get(DEBUG) or os.environ.get("PRESSEARCH_DEBUG"):
                raise
            fail(bug_report(exc), RUNTIME_EXIT)


def quiet_broken_pipe() -> None:
    """After the reader went away (`| head`): not an error worth a message.

    Standard output is pointed at /dev/null so that the flush at exit cannot
    fail again. (Under a test runner it is no real file: nothing left to flush.)
    """
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def bug_report(exc: Exception) -> str:
    """The one line that reports an internal error (a bug)."""
    return (
        f"internal error ({type(exc).__name__}: {one_line(str(exc))}): "
        "this is a bug in pressearch, please report it with the output of "
        "the same command run with `pressearch --debug …`"
    )


class Command(TyperCommand):
    """Help a person reads: `query [OPTIONS] TEXT`, `index [OPTIONS] [PATH]...`.

    Typer 0.29 writes arguments as `{text}` and `text <str>`; here they are
    their metavar alone, as in every other Unix tool. Option values are
    turned without Pydantic when they can be (`coercion`).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        quicken(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or param.name.upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name if param.nargs == 1 else name + "...")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        params = self.get_params(ctx)
        arguments = [
            (param.metavar or param.name.upper(), getattr(param, "help", None) or "")
            for param in params
            if param.param_type_name == "argument"
        ]
        options = [
            record
            for param in params
            if param.param_type_name == "option" and (record := param.get_help_record(ctx))
        ]
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class TextFirstCommand(Command):
    """A command whose one argument is text that may start with "-" (`query '-profit market'`).

    Click would read such text as options (`-p rofit market`, the page). A
    token is an option here only when it is exactly one of the command's
    option names, or shaped like one (`--name=value`, `--bogus`, `-z`: Click
    then says what is wrong with it); any other token is the text, which is
    moved behind `--` so that Click takes it as the argument, whatever it
    starts with. Options keep working before and after the text.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # Shaped like an option (`--bogus`, `-z`) but unknown: Click's "no such option".
        option_shaped = re.compile(r"--[A-Za-z][-A-Za-z0-9]*(=.*)?|-[A-Za-z]", re.DOTALL)
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            for name in (*param.opts, *param.secondary_opts):
                if name.startswith("-"):
                    takes_value[name] = not getattr(param, "is_flag", False)
        options: list[str] = []
        texts: list[str] = []
        tokens = iter(args)
        for token in tokens:
            if token == "--":
                texts.extend(tokens)
            elif token in takes_value:
                options.append(token)
                if takes_value[token]:
                    options.extend(islice(tokens, 1))
            elif option_shaped.fullmatch(token):
                options.append(token)
            else:
                texts.append(token)
        return super().parse_args(ctx, [*options, "--", *texts] if texts else options)


def one_line(message: str) -> str:
    return " ".join(message.split())
