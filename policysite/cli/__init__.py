"""The command line: build (default), check, serve, new or diff a support-policy project; `policysite --help`.

The policysite command, `python -m policysite` and the checkout's build.py all run main() here.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

# Every read of a project walks it with openat and O_NOFOLLOW (sources/checkout.py), so that no link in a
# checkout leads outside it; Windows has neither, and the modules below would fail as they are imported.
UNSUPPORTED = "error: policysite runs on Linux, macOS and other POSIX systems, not on Windows; run it in WSL"
if os.name == "nt":
    sys.exit(UNSUPPORTED)


def quiet_interrupt(kind, value, traceback) -> None:
    """Print one line, not a traceback, when Ctrl-C arrives before the build has started."""
    if issubclass(kind, KeyboardInterrupt):
        print("interrupted before the build started; nothing was changed", file=sys.stderr)
    else:
        sys.__excepthook__(kind, value, traceback)


sys.excepthook = quiet_interrupt

from policysite.cli.args import Prog, find_project, parse_args  # noqa: E402  after the hook: importing takes a while
from policysite.cli.report import append_summary, problem_lines, read_changed, summary_markdown  # noqa: E402
from policysite.dates import DateSettingError, today as build_date  # noqa: E402
from policysite.problems import ContentError, Problem, printable, summarise  # noqa: E402
from policysite.sources.gitread import GitError  # noqa: E402

INSTALLED = Prog("policysite", "policysite", None)
NO_HISTORY_NOTE = "note: built without the policy history (--no-history): app pages say so; changes.json, changes.atom and the changes page list nothing"


def report(args, problems: list[Problem], outcome: str, failed: bool) -> None:
    """Print problems one a line, at most 20 a file (GitHub annotations on stdout), then the outcome; write the summary."""
    changed = read_changed(args.changed) if args.changed else None
    annotations, plain = problem_lines(problems, args.format, changed)
    for line in annotations:
        print(line)
    for line in plain:
        print(line, file=sys.stderr)
    print(outcome, file=sys.stderr if failed else sys.stdout)
    if args.summary:
        append_summary(args.summary, summary_markdown(args.command, problems, outcome, changed))


def run_diff(root: Path, ref: str, fmt: str, strict: bool, today) -> int:
    """Print the plain-language policy diff between ref and the working tree."""
    from policysite.content import history, review
    from policysite.content.site import names_for
    from policysite.engine.recipe import check

    site = check(root, today=today, strict=strict)   # only sound content is worth describing
    try:
        commit = history.resolve_commit(root, ref)
    except history.GitError as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return 2
    old, new = history.read_apps_at(root, commit), history.read_apps_now(root)
    if fmt == "markdown":
        text = review.render_markdown(old, new, names_for(site), today, ref, commit)
    else:
        text = review.render_text(old, new, names_for(site), today, ref)
    print("\n".join(map(printable, text.split("\n"))), end="")   # earlier revisions were never checked
    return 0


def run_build(root: Path, out_dir: Path, today, strict: bool, with_history: bool, verify: bool = False) -> tuple[int, int, tuple]:
    """Build the site, or find that nothing it depends on changed since the last build; return what to report."""
    from policysite.engine import unchanged

    signature, racy = unchanged.input_signature(root, out_dir, today, strict, unchanged.now(), with_history, verify)
    report = unchanged.previous_report(root, out_dir, signature)
    if report is None:
        from policysite import progress
        from policysite.content.history import PUBLISH
        from policysite.engine.recipe import build

        if sys.stdout.isatty():
            progress.enable()
        try:
            site = build(root, out_dir, today=today, strict=strict, history_mode=PUBLISH if with_history else None, verify=verify)
        finally:
            progress.disable()
        report = (len(site.apps), len(site.docs), site.warnings)
        unchanged.record_build(root, out_dir, signature, racy, report)
    return report


def run_new(root: Path, basename: str, prog: Prog) -> int:
    """Write a new app file to fill in."""
    from policysite.tools.scaffold import ScaffoldError, write_new_app

    try:
        src_path = write_new_app(root, basename)
    except ScaffoldError as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return 1
    print(f"wrote {printable(str(src_path))}; replace every TODO, then run: {prog.run} check")
    return 0


def main(argv: list[str] | None = None, prog: Prog = INSTALLED) -> int:
    """Run one command; print every problem and return the exit status."""
    args, error = parse_args(sys.argv[1:] if argv is None else argv, prog)
    if error:
        print(f"error: {printable(error)}", file=sys.stderr)
        return 2
    root = (args.root or prog.default_root or find_project(Path.cwd())).resolve()
    out_dir = args.out or root / "site"
    try:
        today = build_date()
    except DateSettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if argv is None and args.command != "serve":  # SIGTERM stops a build the way Ctrl-C does, cleaning up as it goes
        signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        return run_command(args, root, out_dir, today, prog)
    except ContentError as exc:
        report(args, exc.problems, summarise(exc.problems, f"{out_dir.name}/"), failed=True)
        return 1
    except GitError as exc:   # git cannot give the whole history: say how to fix it, publish nothing
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted; {printable(out_dir.name)}/ holds a whole site, the previous one unless the new one was already in place",
              file=sys.stderr)
        return 130
    except OSError as exc:   # the machine's fault (a full disk, a read-only or forbidden folder), not the content's
        print(f"error: {os_error_text(exc)}; {out_dir.name}/ was not changed", file=sys.stderr)
        return 1


def run_command(args, root: Path, out_dir: Path, today, prog: Prog) -> int:
    """Run the command args name on the project at root; return the exit status."""
    if args.command == "check":
        from policysite.engine.recipe import check

        site = check(root, today=today, strict=args.strict)
        report(args, list(site.warnings), f"ok: {len(site.apps)} apps and {len(site.docs)} documents checked"
               + warning_note(site.warnings), failed=False)
    elif args.command == "serve":
        from policysite.preview.serve import serve
        return serve(root, out_dir, args.host, args.port, not args.no_history)
    elif args.command == "new":
        return run_new(root, args.target, prog)
    elif args.command == "diff":
        return run_diff(root, args.target, args.format, args.strict, today)
    else:
        apps, docs, warnings = run_build(root, out_dir, today, args.strict, not args.no_history, args.verify)
        report(args, list(warnings), f"built {apps} app pages and {docs} documents into {printable(str(out_dir))}"
               + warning_note(warnings), failed=False)
        if args.no_history:
            print(NO_HISTORY_NOTE)
    return 0


def os_error_text(exc: OSError) -> str:
    """Say in one line what the system refused: 'No space left on device: site/x.html'."""
    what = exc.strerror or type(exc).__name__
    return f"{what}: {exc.filename}" if exc.filename else what


def warning_note(warnings) -> str:
    """Return ' (2 warnings)' or ''."""
    return f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else ""


def stop_on_signal(signum, frame) -> None:
    """Turn SIGTERM into KeyboardInterrupt so the build stops through its clean-up path."""
    raise KeyboardInterrupt


def run() -> None:
    """Run the policysite command (the console script and `python -m policysite`)."""
    sys.exit(main())
