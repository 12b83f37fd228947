"""Tests of rodata-layout.py (run by ci/test.sh: python3 -m unittest discover -s ci/lib)."""

import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "rodata-layout.py")

spec = importlib.util.spec_from_file_location("rodata_layout", SCRIPT)
rodata_layout = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rodata_layout)

# A link map in lld's layout: output sections one space in, input sections ten, symbols
# eighteen. .rodata holds merged strings, two Rust constants, a jump table and glibc's
# generic .rodata of one object; .text is not read-only data.
MAP = """\
             VMA              LMA     Size Align Out     In      Symbol
          2002b8           2002b8      318     8 .rela.dyn
          2002b8           2002b8      318     8         <internal>:(.rela.dyn)
          201000           201000     1000  4096 .rodata
          201000           201000      100     1         <internal>:(.rodata.str1.1)
          201100           201100       20     8         /t/rfront.cgu.0.rcgu.o:(.rodata..Lanon.abc.1)
          201120           201120       20     8         /t/rfront.cgu.0.rcgu.o:(.rodata..Lanon.abc.2)
          201140           201140       40     8         /t/rfront.cgu.1.rcgu.o:(.rodata._ZN3foo3bar17h0E)
          201180           201180      200    32         /usr/lib/x86_64-linux-gnu/libc.a(C-ctype.o):(.rodata)
          201180           201180       10     1                 _nl_C_LC_CTYPE_class
          201380           201380      c80     8         /t/plain.o:(.rodata)
          202000           202000     1000    64 .text
          202000           202000      100    16         /t/rfront.cgu.0.rcgu.o:(.text.main)
"""


def run(map_text, trace):
    """The script rodata-layout.py prints for MAP_TEXT and the lackey TRACE lines."""
    with tempfile.NamedTemporaryFile("w", suffix=".map", delete=False) as f:
        f.write(map_text)
    try:
        result = subprocess.run(
            [sys.executable, SCRIPT, f.name],
            input="".join(line + "\n" for line in trace),
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(f.name)
    return result.stdout


def hot_lines(script):
    """The input section descriptions of the script's .rodata.hot."""
    lines = script.splitlines()
    start = lines.index("  .rodata.hot : {") + 1
    end = lines.index("  }", start)
    return [line.strip() for line in lines[start:end]]


class RodataLayoutTest(unittest.TestCase):
    def test_sections_read_are_named_exactly_and_sorted(self):
        script = run(
            MAP,
            [
                " L 00201004,1",  # merged strings
                " L 00201128,8",  # the second Rust constant, not the first
                " M 00201190,4",  # glibc's C-ctype.o
                " L 00201150,8",  # the jump table
                " L 00201390,8",  # a generic .rodata of a plain object
                " L 00202010,8",  # .text: not read-only data
                " S 00201100,8",  # a store is not a read
                "I  00202000,4",  # nor an instruction fetch
            ],
        )
        self.assertEqual(
            hot_lines(script),
            [
                '*(".rodata..Lanon.abc.2")',
                '*(".rodata._ZN3foo3bar17h0E")',
                '*(".rodata.str1.1")',
                '*libc.a:C-ctype.o(".rodata")',
                '*plain.o(".rodata")',
            ],
        )
        self.assertTrue(script.startswith("SECTIONS {\n"))
        self.assertIn("  .eh_frame : { KEEP(*(.eh_frame)) }\n", script)
        self.assertTrue(script.endswith("} INSERT BEFORE .rodata;\n"))

    def test_an_access_across_two_sections_names_both(self):
        script = run(MAP, [" L 0020111c,8"])
        self.assertEqual(
            hot_lines(script), ['*(".rodata..Lanon.abc.1")', '*(".rodata..Lanon.abc.2")']
        )

    def test_reads_of_an_earlier_hot_section_count(self):
        earlier = MAP.replace(
            "          201000           201000     1000  4096 .rodata\n",
            "          201000           201000      100    32 .rodata.hot\n"
            "          201100           201100      f00  4096 .rodata\n",
        )
        self.assertEqual(hot_lines(run(earlier, [" L 00201010,1"])), ['*(".rodata.str1.1")'])

    def test_no_read_of_read_only_data_prints_nothing(self):
        self.assertEqual(run(MAP, [" L 00202010,8", " L 1ffefffd38,8"]), "")

    def test_a_map_without_rodata_is_an_error(self):
        with tempfile.NamedTemporaryFile("w", suffix=".map", delete=False) as f:
            f.write(MAP.split("          201000           201000     1000")[0])
        try:
            result = subprocess.run(
                [sys.executable, SCRIPT, f.name], input="", capture_output=True, text=True
            )
        finally:
            os.unlink(f.name)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no .rodata output section", result.stderr)

    def test_patterns(self):
        self.assertEqual(
            rodata_layout.pattern("<internal>", ".rodata.cst16"), '*(".rodata.cst16")'
        )
        self.assertEqual(
            rodata_layout.pattern("/usr/lib/libc.a(strtol_l.o)", ".rodata.cst8"),
            '*libc.a:strtol_l.o(".rodata.cst8")',
        )
        self.assertEqual(
            rodata_layout.pattern("/t/x.o", ".rodata..Lswitch.table.f"),
            '*(".rodata..Lswitch.table.f")',
        )


if __name__ == "__main__":
    unittest.main()
