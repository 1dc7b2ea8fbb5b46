"""The command line: the library without the UI (``python -m l2c_core`` or ``l2c``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from l2c_core.errors import InputFileError, L2CError
from l2c_core.questionnaire import (
    Questionnaire,
    default_questionnaire,
    validate_answers,
)

log = logging.getLogger(__name__)


class _UsageError(Exception):
    """A command line that cannot be run; the message is shown as it is."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {message}.")


def questions_json(questionnaire: Questionnaire) -> dict[str, Any]:
    """The questionnaire in the command line's JSON contract."""
    return {
        "id": questionnaire.id,
        "version": questionnaire.version,
        "dimensions": [
            {"id": d.id, "name": d.name, "weight": d.weight, "target": d.target}
            for d in questionnaire.dimensions
        ],
        "questions": [
            {
                "id": q.id,
                "dimension": q.dimension,
                "text": q.text,
                "weight": q.weight,
                "options": [{"level": o.level, "label": o.label} for o in q.options],
            }
            for q in questionnaire.questions
        ],
    }


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date like 2024-03-31"
        ) from None


def _read_bytes(path: str) -> tuple[str, bytes]:
    try:
        return Path(path).name, Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: {exc.strerror or exc}.", file_name=path) from exc


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputFileError(f"{path}: {exc.strerror or exc}.", file_name=path) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"{path}: the {what} file is not valid JSON ({exc})."
        ) from exc


def _mapping_file(path: str | None, what: str) -> dict[str, Any] | None:
    if path is None:
        return None
    data = _read_json(path, what)
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: the {what} file must hold a JSON object.")
    return data


def _parser() -> _Parser:
    parser = _Parser(prog="l2c", description="Revenue Engine Health Check.")
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )

    questions = commands.add_parser("questions", help="print the questionnaire")
    questions.add_argument("--json", action="store_true", help="as JSON (the default)")

    audit = commands.add_parser("audit", help="audit CRM export files")
    audit.add_argument("files", nargs="+", metavar="FILE")
    audit.add_argument("--as-of", type=_date, help="reference date, YYYY-MM-DD")
    audit.add_argument("--all", action="store_true", help="audit every record")
    audit.add_argument("--seed", type=int, default=0, help="sampling seed (0)")
    audit.add_argument("--encoding", help="override the detected encoding")
    audit.add_argument("--delimiter", help="override the detected delimiter")
    audit.add_argument("--date-order", choices=("DMY", "MDY", "YMD"))
    audit.add_argument("--mapping", metavar="FILE.json", help="field → column")
    audit.add_argument("--stage-map", metavar="FILE.json", help="stage → outcome")
    audit.add_argument("--json", action="store_true", help="as JSON (the default)")

    assess = commands.add_parser("assess", help="score answers, audit, write the PDF")
    assess.add_argument("--answers", required=True, metavar="FILE.json")
    assess.add_argument("--profile", metavar="FILE.json", help="company profile")
    assess.add_argument("--crm", nargs="+", default=[], metavar="FILE")
    assess.add_argument("--as-of", type=_date)
    assess.add_argument("--all", action="store_true", help="audit every record")
    assess.add_argument("--out", required=True, metavar="DIR")
    return parser


def _run(args: argparse.Namespace) -> int:
    # The heavy modules load per command, so `questions` stays quick.
    if args.command == "questions":
        json.dump(
            questions_json(default_questionnaire()),
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        print()
        return 0

    if args.command == "audit":
        from l2c_core.containers import expand_upload, with_notes
        from l2c_core.export import audit_json
        from l2c_core.integrity import audit_files

        delimiter = args.delimiter
        if delimiter in ("\\t", "tab", "TAB"):
            delimiter = "\t"
        if delimiter is not None and len(delimiter) != 1:
            raise _UsageError("l2c audit: --delimiter takes one character (or \\t).")
        expanded = expand_upload([_read_bytes(f) for f in args.files])
        audited = audit_files(
            list(expanded.files),
            as_of=args.as_of,
            audit_all=args.all,
            seed=args.seed,
            encoding=args.encoding,
            delimiter=delimiter,
            date_order=args.date_order,
            column_map=_mapping_file(args.mapping, "mapping"),
            stage_map=_mapping_file(args.stage_map, "stage map"),
        )
        audited = with_notes(audited, expanded.notes)
        sys.stdout.write(audit_json(audited).decode("utf-8"))
        return 0

    from l2c_core.assess import assess
    from l2c_core.containers import expand_upload, with_notes
    from l2c_core.integrity import audit_files
    from l2c_core.report_pdf import render_pdf

    answers_file = _read_json(args.answers, "answers")
    if not isinstance(answers_file, dict) or not isinstance(
        answers_file.get("answers"), dict
    ):
        raise InputFileError(
            f'{args.answers}: expected {{"answers": {{"<question id>": level}}}}.'
        )
    # Answers are checked before a possibly large export is read.
    validate_answers(default_questionnaire(), answers_file["answers"])
    profile = _mapping_file(args.profile, "profile")
    crm = expand_upload([_read_bytes(f) for f in args.crm]) if args.crm else None
    audit = None
    if crm is not None:
        audit = with_notes(
            audit_files(list(crm.files), as_of=args.as_of, audit_all=args.all),
            crm.notes,
        )
    result = assess(
        answers_file["answers"],
        profile=profile,
        audit=audit,
        as_of=args.as_of,
        audit_all=args.all,
    )
    for issue in result.profile_issues:
        print(f"warning: {issue.message}", file=sys.stderr)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        data = result.model_dump(mode="json", by_alias=True)
        (out / "result.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        (out / "plan.pdf").write_bytes(render_pdf(result))
    except OSError as exc:
        raise InputFileError(
            f"{out}: cannot write there ({exc.strerror or exc})."
        ) from exc
    print(f"wrote {out / 'result.json'} and {out / 'plan.pdf'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; bad input exits 2 with one sentence on stderr."""
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return _run(_parser().parse_args(argv))
    except (L2CError, _UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the contract is one sentence, no traceback
        log.debug("unexpected failure", exc_info=True)
        print(
            f"error: the input could not be processed ({type(exc).__name__}: {exc}); "
            "please report this with the file's shape.",
            file=sys.stderr,
        )
        return 2
