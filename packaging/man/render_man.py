#!/usr/bin/env python3
"""Builds a man page from a roff template and the program's own --help output, so that the
OPTIONS sections can never drift from the options the program really takes.

  render_man.py TEMPLATE OUTPUT BINARY VERSION

In TEMPLATE, a line "@HELP args...@" becomes BINARY's output for those arguments (e.g.
"@HELP --help@", "@HELP connect --help@") as a preformatted block; "@VERSION@" becomes
VERSION. Output is escaped for roff (backslashes, and lines starting with . or ')."""
import os
import subprocess
import sys


def help_block(binary: str, args: list[str]) -> str:
    result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=30,
                            check=False)
    text = result.stdout or result.stderr
    if result.returncode != 0 or not text.strip():
        sys.exit(f"render_man: '{binary} {' '.join(args)}' failed ({result.returncode})")
    # CLI11 prints the path it was started as; the page names the installed program.
    text = text.replace(binary, os.path.basename(binary))
    lines = []
    for line in text.rstrip("\n").split("\n"):
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return ".nf\n.in +2\n" + "\n".join(lines) + "\n.in\n.fi\n"


def main() -> int:
    template, output, binary, version = sys.argv[1:5]
    out = []
    with open(template, encoding="utf-8") as f:
        for line in f:
            stripped = line.strip()
            if stripped.startswith("@HELP") and stripped.endswith("@"):
                out.append(help_block(binary, stripped[len("@HELP"):-1].split()))
            else:
                out.append(line.replace("@VERSION@", version))
    with open(output, "w", encoding="utf-8") as f:
        f.write("".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
