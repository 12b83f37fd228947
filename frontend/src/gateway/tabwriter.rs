//! Go's `text/tabwriter` (space padding, no flags), which BuildKit uses for the `result.txt`
//! tables of subrequests. Cells end at `\t`; the text after a line's last tab is not part of a
//! column. A column's width is the widest cell of its block of consecutive lines plus padding.

/// Aligns `text` as a `tabwriter.NewWriter(w, minwidth, 0, padding, ' ', 0)` would.
pub fn align(text: &str, minwidth: usize, padding: usize) -> String {
    let mut lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    // `split` yields a final empty line after a trailing newline; Go writes no such line.
    let trailing_newline = text.ends_with('\n');
    if trailing_newline {
        lines.pop();
    }
    let mut out = String::new();
    let mut widths = Vec::new();
    format_block(
        &lines,
        0,
        lines.len(),
        &mut widths,
        minwidth,
        padding,
        &mut out,
    );
    if !trailing_newline && out.ends_with('\n') {
        out.pop();
    }
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn format_block(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    minwidth: usize,
    padding: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut w = minwidth;
        while this < line1 && column + 1 < lines[this].len() {
            w = w.max(width(lines[this][column]) + padding);
            this += 1;
        }
        widths.push(w);
        format_block(lines, line0, this, widths, minwidth, padding, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for line in &lines[from..to] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j < widths.len() && j + 1 < line.len() {
                let pad = widths[j].saturating_sub(width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns_with_padding() {
        let got = align("NAME\tVERSION\tDESCRIPTION\noutline\t1.0.0\tList\n", 0, 1);
        assert_eq!(got, "NAME    VERSION DESCRIPTION\noutline 1.0.0   List\n");
    }

    #[test]
    fn column_blocks_restart_after_lines_without_the_column() {
        let got = align("a\tb\nlonger\tc\nplain\nx\ty\n", 0, 3);
        assert_eq!(got, "a        b\nlonger   c\nplain\nx   y\n");
    }

    #[test]
    fn counts_runes() {
        assert_eq!(align("é\tx\nab\ty\n", 0, 1), "é  x\nab y\n");
    }
}
