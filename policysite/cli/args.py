"""Parse the command line: one sub-command each with its own options, and the project folder it works on."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from policysite import __version__

COMMANDS = {
    "build": "check all content and build site/ (the default)",
    "check": "check all content, write nothing",
    "serve": "build, serve on 127.0.0.1 and rebuild on every change",
    "new": "write content/apps/<basename>.yaml to fill in",
    "diff": "say what changed in the policies since a git revision",
}
FORMATS = {"build": ("text", "github"), "check": ("text", "github"), "diff": ("text", "markdown")}
TARGETS = {"new": ("basename", "the new app's basename, such as web_proxy"),
           "diff": ("revision", "the git revision to compare with, such as origin/main")}
# Which commands take each option that only some take: an option given to another is named in the error.
OPTIONS = {"--out": ("build", "serve"), "--host": ("serve",), "--port": ("serve",), "--format": ("build", "check", "diff"),
           "--strict": ("build", "check", "diff"), "--no-history": ("build", "serve"), "--verify": ("build",),
           "--changed": ("build", "check"), "--summary": ("build", "check")}


@dataclass(frozen=True)
class Prog:
    """How the command is called, for usage lines and hints: 'policysite', or 'build.py' run by 'python build.py'."""

    name: str
    run: str
    default_root: Path | None   # None: the project is found from the current folder


def find_project(start: Path) -> Path:
    """Return the nearest of start and its parents that has a content/ folder, or start if none has."""
    for folder in (start, *start.parents):
        if (folder / "content").is_dir():
            return folder
    return start


def make_parser(prog: Prog) -> argparse.ArgumentParser:
    """Return the parser: a sub-command each, with only the options that command uses."""
    parser = argparse.ArgumentParser(
        prog=prog.name, description="Build the ClearOS support-policy site from a project's content/.",
        epilog="commands:\n" + "\n".join(f"  {k:7} {v}" for k, v in COMMANDS.items())
               + f"\n\n'{prog.run} <command> --help' lists a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"policysite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="command")
    where = ("project folder holding content/, templates/ and static/ (default: the current folder, or the nearest "
             "one above it with a content/ folder)") if prog.default_root is None else f"project folder (default: {prog.default_root})"
    for command, summary in COMMANDS.items():
        sub = commands.add_parser(command, help=summary, description=summary[0].upper() + summary[1:] + ".")
        if command in TARGETS:
            sub.add_argument("target", metavar=TARGETS[command][0], nargs="?", help=TARGETS[command][1])
        sub.add_argument("--project", "--root", dest="root", type=Path, metavar="DIR", default=None, help=where)
        add_own_options(sub, command)
    return parser


def add_own_options(sub: argparse.ArgumentParser, command: str) -> None:
    """Add the options only some commands take."""
    if command in OPTIONS["--out"]:
        sub.add_argument("--out", type=Path, metavar="DIR", default=None, help="output folder (default: <project>/site)")
    if command == "serve":
        sub.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        sub.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    if command in FORMATS:
        text = {"github": "'github' prints GitHub Actions annotations", "markdown": "'markdown' for a pull request comment"}
        sub.add_argument("--format", default="text", metavar="{" + ",".join(FORMATS[command]) + "}",
                         help="; ".join(text[f] for f in FORMATS[command] if f in text) + " (default: text)")
        sub.add_argument("--strict", action="store_true", help="treat warnings as errors")
    if command in OPTIONS["--no-history"]:
        sub.add_argument("--no-history", action="store_true",
                         help="publish no policy history (without a whole git history the build refuses)")
    if command in OPTIONS["--summary"]:
        sub.add_argument("--changed", type=Path, metavar="FILE", default=None,
                         help="with --format github, annotate only problems in the files FILE lists, one a line "
                              "(those a pull request changed); the others are printed as plain lines")
        sub.add_argument("--summary", type=Path, metavar="FILE", default=None,
                         help="append every problem, uncapped, as a Markdown table to FILE (CI: $GITHUB_STEP_SUMMARY)")
    if command == "build":
        sub.add_argument("--verify", action="store_true", help="also check every JSON file made against its published schema (CI does)")


def parse_args(argv: list[str], prog: Prog) -> tuple[argparse.Namespace, str | None]:
    """Parse argv (build is the command when none is named); return the arguments and what is wrong with them, or None."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["build", *argv]
    args, extra = make_parser(prog).parse_known_args(argv)
    for name, value in (("out", None), ("host", "127.0.0.1"), ("port", 8000), ("format", "text"), ("strict", False),
                        ("no_history", False), ("verify", False), ("target", None), ("changed", None), ("summary", None)):
        if not hasattr(args, name):
            setattr(args, name, value)   # what a command without the option runs with
    return args, usage_error(args, extra, prog)


def usage_error(args: argparse.Namespace, extra: list[str], prog: Prog) -> str | None:
    """Return what is wrong with a combination of arguments, or None."""
    if extra:
        return extra_error(args.command, extra, prog)
    if args.command in TARGETS and not args.target:
        what = TARGETS[args.command][0]
        return f"{args.command} needs {'a basename' if what == 'basename' else 'a git revision'}: {prog.name} {args.command} <{what}>"
    if args.format not in FORMATS.get(args.command, ("text",)):
        return f"--format {args.format} does not apply to {args.command}; use {' or '.join(FORMATS[args.command])}"
    return None


def extra_error(command: str, extra: list[str], prog: Prog) -> str:
    """Say what is wrong with the words command did not take: another command's option, an unknown one, or an argument."""
    options = [word.split("=", 1)[0] for word in extra if word.startswith("-")]
    if known := next((option for option in options if option in OPTIONS), None):
        takers = OPTIONS[known]
        named = takers[0] if len(takers) == 1 else f"{', '.join(takers[:-1])} and {takers[-1]}"
        return f"{known} does not apply to {command}; it is for {named}"
    if options:
        return f"unknown option {options[0]!r} for {command}; see {prog.run} {command} --help"
    if command not in TARGETS:
        return f"{command} takes no argument, got {extra[0]!r}"
    return f"{command} takes one argument, got {' '.join(map(repr, extra))} as well"
