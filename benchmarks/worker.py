"""A benchmark worker: `python worker.py SPEC_JSON`, started by harness.Worker.

Sets up one contender (contenders.setup), prints {"ready": ...} on stdout, then runs one round per line "round"
read from stdin and prints its result as one line of JSON. Errors are reported as {"error": ...}.
"""

from __future__ import annotations

import json
import sys
import traceback


def main() -> int:
    spec = json.loads(sys.argv[1])
    try:
        import contenders

        one_round = contenders.setup(spec)
        print(json.dumps({"ready": True, "versions": contenders.versions()}), flush=True)
    except Exception as exc:  # reported to the coordinator, which names the contender
        traceback.print_exc()
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    for line in sys.stdin:
        if line.strip() != "round":
            continue
        print(json.dumps(one_round()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
