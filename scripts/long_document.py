"""Writes one long annotated document as documents JSONL: N quotes of the
form `“Yes,” Ann said,` in one sentence, each with its source, cue and
content spans and an attribution. A stress input for `quotekit render` and
`quotekit eval` (README, "Rendering speed").

    python3 scripts/long_document.py 20000 > long.jsonl
"""

import json
import sys


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    unit = "“Yes,” Ann said, "
    text, spans, attributions = "", [], []
    for k in range(n):
        s = len(text)
        text += unit
        ids = [f"T{3 * k + 1}", f"T{3 * k + 2}", f"T{3 * k + 3}"]
        spans += [
            {"id": ids[0], "role": "content", "fragments": [[s, s + 6]]},
            {"id": ids[1], "role": "source", "fragments": [[s + 7, s + 10]]},
            {"id": ids[2], "role": "cue", "fragments": [[s + 11, s + 15]]},
        ]
        attributions.append(
            {"id": f"E{k + 1}", "source": ids[1], "cue": ids[2], "content": [ids[0]]}
        )
    text = text.rstrip(", ") + "."
    record = {"id": "long", "text": text, "spans": spans, "attributions": attributions}
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
