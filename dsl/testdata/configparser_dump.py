"""Print what Python's configparser, set up as PasteDeploy sets it up,
reads from each file named on the command line: one JSON object per line.

Used by dsl's differential test; run with Debian's /usr/bin/python3.
"""
import configparser
import json
import sys


def dump(path):
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str
    try:
        with open(path, encoding="utf-8") as fp:
            parser.read_file(fp, source=path)
    except (configparser.Error, UnicodeDecodeError) as exc:
        lines = []
        if type(exc) is configparser.ParsingError:
            lines = [lineno for lineno, _ in exc.errors]
        elif getattr(exc, "lineno", None):
            lines = [exc.lineno]
        return {"error": type(exc).__name__, "lines": lines}
    sections = {"DEFAULT": dict(parser.defaults())} if parser.defaults() else {}
    for name in parser.sections():
        sections[name] = dict(parser._sections[name])
    return {"sections": sections}


for path in sys.argv[1:]:
    print(json.dumps(dump(path)))
