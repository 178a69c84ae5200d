//! Aligned text tables for human output (every listing also has `--json`).

/// A table: a header and rows of cells, columns padded to their widest cell.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            right: vec![false; header.len()],
        }
    }

    /// Aligns column `i` to the right (numbers).
    pub fn right(mut self, columns: &[usize]) -> Table {
        for &i in columns {
            if let Some(r) = self.right.get_mut(i) {
                *r = true;
            }
        }
        self
    }

    /// Adds a row (control characters in cells are made visible, see [`clean`]).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.iter().map(|c| clean(c)).collect());
    }

    /// The table as lines of text, each indented by `indent`.
    pub fn render(&self, indent: &str) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let last = widths.len().saturating_sub(1);
        let line = |cells: &[String]| {
            let mut out = String::from(indent);
            for (i, c) in cells.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                let pad = w.saturating_sub(c.chars().count());
                if self.right.get(i).copied().unwrap_or(false) {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(c);
                } else {
                    out.push_str(c);
                    if i < last {
                        out.push_str(&" ".repeat(pad));
                    }
                }
                if i < last {
                    out.push_str("  ");
                }
            }
            out.trim_end().to_string()
        };
        let mut text = line(&self.header);
        for row in &self.rows {
            text.push('\n');
            text.push_str(&line(row));
        }
        text
    }
}

/// Text from outside (profiles, lanes) made safe for a terminal: control characters, which
/// could move the cursor or rewrite the screen, are replaced by `�`; newlines by spaces.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_aligns() {
        let mut t = Table::new(&["NAME", "N"]).right(&[1]);
        t.row(vec!["alpha".into(), "7".into()]);
        t.row(vec!["b".into(), "1234".into()]);
        assert_eq!(t.render(""), "NAME      N\nalpha     7\nb      1234");
    }

    #[test]
    fn escape_sequences_are_neutralised() {
        assert_eq!(clean("Eve\u{1b}[2J\nx"), "Eve\u{fffd}[2J x");
    }
}

/// `text` cut to `max` characters, with an ellipsis when it was longer.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
