#!/usr/bin/env python3
"""Checks a server log written with DOUDI_LOG_FORMAT=json after a browser run: every line is
one JSON object, what was logged inside a request carries its request id, and no line holds
an ID number (18 characters with a valid check character) or a mobile phone number.
Usage: scan-logs.py server.log"""
import json
import re
import sys

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
# Not part of a longer run of letters or digits (hashes, ids, timestamps).
ID = re.compile(r"(?<![0-9A-Za-z])([1-8][0-9]{16}[0-9Xx])(?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9A-Za-z])(1[3-9][0-9]{9})(?![0-9A-Za-z])")


def valid_id(s):
    return CHECK[sum(int(c) * w for c, w in zip(s[:17], WEIGHTS)) % 11] == s[17].upper()


def main(path):
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    problems, in_requests = [], 0
    for n, line in enumerate(lines, 1):
        try:
            event = json.loads(line)
        except ValueError:
            problems.append(f"line {n} is not JSON: {line[:120]}")
            continue
        spans = event.get("spans", []) + ([event["span"]] if "span" in event else [])
        request = [s for s in spans if s.get("name") == "request"]
        if request:
            in_requests += 1
            if not all(s.get("request_id") for s in request):
                problems.append(f"line {n}: inside a request without its id")
        for m in ID.finditer(line):
            if valid_id(m.group(1)):
                problems.append(f"line {n} holds an ID number: {line[:160]}")
        for m in PHONE.finditer(line):
            problems.append(f"line {n} holds a phone number: {line[:160]}")
    print(f"[scan-logs] {len(lines)} lines, {in_requests} inside requests with their id, "
          f"{len(problems)} problems")
    for p in problems[:20]:
        print("  " + p)
    if not lines or in_requests == 0:
        print("  the log is empty or holds no request: nothing was checked")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
