#!/usr/bin/env python3
"""Fails when a log or audit file holds a valid resident identity number (公民身份号码).

Reads every *.log file (archives included) under the folders given, default $EXCHANGE_TEST_LOG_ROOT or
<repo>/TestResults/logs. Full-width digits and Ｘ/ｘ are read as ASCII first. A hit is an 18-character window of 17
digits and a check character that passes ISO 7064 MOD 11-2 with a real birth date, or a 15-digit legacy number (a run
of exactly 15 digits with a real yyMMdd birth date; it has no check digit). Prints file:line with the number masked
and exits 1 on any hit, 2 when no log file was found (a scan of nothing proves nothing), 0 otherwise.
"""
import datetime
import os
import re
import sys

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
FULL_WIDTH = {0xFF10 + d: str(d) for d in range(10)} | {0xFF38: "X", 0xFF58: "x"}
DIGIT_RUN = re.compile(r"[0-9]+[Xx]?")


def real_date(text, fmt):
    try:
        datetime.datetime.strptime(text, fmt)
        return True
    except ValueError:
        return False


def valid18(s):
    body = s[:17]
    if not body.isdigit() or body[0] == "0" or not real_date(body[6:14], "%Y%m%d"):
        return False
    return CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11] == s[17].upper()


def valid15(s):
    return s[0] != "0" and real_date(s[6:12], "%y%m%d")


def mask(s):
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def hits(line):
    text = line.translate(FULL_WIDTH)
    for run in DIGIT_RUN.finditer(text):
        value = run.group()
        if len(value) == 15 and value.isdigit() and valid15(value):
            yield value
        for i in range(0, len(value) - 17):
            if valid18(value[i:i + 18]):
                yield value[i:i + 18]


def main(argv):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    roots = argv[1:] or [os.environ.get("EXCHANGE_TEST_LOG_ROOT") or os.path.join(repo, "TestResults", "logs")]
    files = sorted(
        os.path.join(folder, name)
        for root in roots if os.path.isdir(root)
        for folder, _, names in os.walk(root)
        for name in names if name.endswith(".log"))
    if not files:
        print(f"scan-identity-numbers: no *.log file under {', '.join(roots)}; the tests wrote no logs to scan, or keep them elsewhere (set EXCHANGE_TEST_LOG_ROOT)", file=sys.stderr)
        return 2

    found = 0
    lines = 0
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as log:
            for number, line in enumerate(log, 1):
                lines += 1
                for value in hits(line):
                    found += 1
                    print(f"{path}:{number}: identity number {mask(value)}")
    print(f"scan-identity-numbers: {len(files)} log files, {lines} lines, {found} identity numbers")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
