//! Text that comes from outside (import files, profile pages, the Voyager API) and ends up in
//! the CRM, logs and messages: control characters and invisible formatting characters are
//! removed, so that a name cannot hide a NUL, forge a log line or flip the reading direction of
//! what follows it (U+202E, the right-to-left override).

/// Whether `c` is an invisible formatting character: zero-width characters, the text-direction
/// embeddings, overrides and isolates, word joiners and the byte-order mark (Unicode's
/// "format" characters that have no use in a name, headline or id).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}')
}

/// `text` without control characters (NUL, escapes, line breaks: a tab or line break becomes
/// a space) and without invisible formatting characters, with runs of spaces collapsed and the
/// ends trimmed.
pub fn clean_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = if c == '\t' || c == '\n' || c == '\r' {
            ' '
        } else {
            c
        };
        if c.is_control() || is_invisible(c) {
            continue;
        }
        if c == ' ' {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// `text` (a message body) without control characters but line breaks and without invisible
/// formatting characters; `\r\n` becomes `\n`, each line is trimmed at its end and the whole
/// at both ends.
pub fn clean_text(text: &str) -> String {
    let lines: Vec<String> = text
        .replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(|line| {
            line.chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .filter(|c| !c.is_control() && !is_invisible(*c))
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect();
    lines.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_what_cannot_be_seen() {
        assert_eq!(clean_line("Jane\0 Doe"), "Jane Doe");
        assert_eq!(clean_line("evil\u{202E}txt.exe"), "eviltxt.exe");
        assert_eq!(clean_line("  two\nlines\r\n "), "two lines");
        assert_eq!(clean_line("Zoë\u{200B} Ünal"), "Zoë Ünal");
        assert_eq!(clean_line("\u{1b}[31mred"), "[31mred");
        assert!(is_invisible('\u{2067}') && !is_invisible('a'));
    }

    #[test]
    fn a_message_keeps_its_lines() {
        assert_eq!(
            clean_text(" Hi Jane,\r\n\r\nThanks!\u{202E} \n"),
            "Hi Jane,\n\nThanks!"
        );
        assert_eq!(clean_text("a\0b\tc"), "ab c");
    }
}
