#!/usr/bin/env python3
"""Linker script that gathers the read-only data a traced run reads (see static_build_rfront).

    valgrind --tool=lackey --trace-mem=yes … | rodata-layout.py MAP > rodata.ld

Standard input holds lackey's load lines (` L 0021c7a0,8`, ` M …`); MAP is lld's link map
(-Map) of the traced binary. Every byte read inside .rodata (or the .rodata.hot of an earlier
script: the profile is of a binary laid out by the last one) is looked up in the map, and each
input section holding one is named in an output section `.rodata.hot` inserted before .rodata,
so the data a conversion reads shares a few 64 KiB blocks instead of being spread over all of
.rodata (the kernel maps file pages around a fault 64 KiB at a time).

A section is named by its own name when that is specific (`.rodata..Lanon.<hash>.7`, a jump
table's `.rodata.<function>`), and by object and name when it is generic (glibc's `.rodata` of
`libc.a(C-ctype.o)`); lld's merged sections (`<internal>`: strings, constants) by name. Names
are quoted so lld matches them exactly. Lines are sorted, so the script of a relinked binary
with the same code is the same file. Prints nothing when no byte of that data was read.
"""

import bisect
import re
import sys

# An output section line of the map: VMA, LMA, size, alignment, name.
OUTPUT_SECTION = re.compile(r"^\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ (\S+)$")
# An input section line: VMA, LMA, size, alignment, then `file:(section)` after nine spaces.
INPUT_SECTION = re.compile(r"^\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ {9}(\S.*):\((.*)\)$")
# lackey's data access lines.
ACCESS = re.compile(r"^ [LM] ([0-9a-f]+),(\d+)$")
# Section names that many objects share.
GENERIC = re.compile(r"^\.rodata(\.cst\d+|\.str\d+\.\d+)?$")


def read_map(path):
    """The ranges of the read-only data output sections (.rodata, and .rodata.hot when the
    binary was linked with an earlier script) and the input sections (start, end, file,
    name)."""
    ranges = []
    sections = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = INPUT_SECTION.match(line)
            if m:
                start, size = int(m.group(1), 16), int(m.group(2), 16)
                if size:
                    sections.append((start, start + size, m.group(3), m.group(4)))
                continue
            m = OUTPUT_SECTION.match(line)
            if m and m.group(3) in (".rodata", ".rodata.hot"):
                start = int(m.group(1), 16)
                ranges.append((start, start + int(m.group(2), 16)))
    sections.sort()
    return ranges, sections


def pattern(file, name):
    """The input section description naming one section of the map."""
    if file == "<internal>" or not GENERIC.match(name):
        return f'*("{name}")'
    archive = re.match(r"^.*/([^/]+\.a)\(([^)]+)\)$", file)
    if archive:
        return f'*{archive.group(1)}:{archive.group(2)}("{name}")'
    return f'*{file.rsplit("/", 1)[-1]}("{name}")'


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: rodata-layout.py MAP < lackey-trace")
    ranges, sections = read_map(sys.argv[1])
    if not ranges:
        sys.exit(f"rodata-layout.py: no .rodata output section in {sys.argv[1]}")
    starts = [s[0] for s in sections]
    read = set()
    for line in sys.stdin:
        m = ACCESS.match(line.rstrip("\n"))
        if not m:
            continue
        first = int(m.group(1), 16)
        for byte in (first, first + max(int(m.group(2)), 1) - 1):
            if any(start <= byte < end for start, end in ranges):
                read.add(byte)
    hot = set()
    for byte in read:
        i = bisect.bisect_right(starts, byte) - 1
        if i >= 0 and byte < sections[i][1]:
            hot.add(pattern(sections[i][2], sections[i][3]))
    if not hot:
        return
    print("SECTIONS {\n  .rodata.hot : {")
    for p in sorted(hot):
        print(f"    {p}")
    print("  }")
    # Then .eh_frame, whose first word every run reads (crtbegin's frame_dummy registers the
    # table with libgcc's unwinder, which checks that it is not empty) and nothing else does:
    # next to the hot data, that read shares its last block instead of mapping one of its own.
    print("  .eh_frame : { KEEP(*(.eh_frame)) }")
    print("} INSERT BEFORE .rodata;")


if __name__ == "__main__":
    main()
