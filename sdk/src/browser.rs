//! The account's browser tab (needs the `browser` grant and an origin allow-list): navigation,
//! element queries and actions with human-like timing, and authenticated API calls.

pub use crate::__wit::outlane::lanes::browser::{
    ApiResponse, Page, Target, api_get, attrs, click, current_url, exists, goto, links, press,
    text, texts, type_text, wait_for,
};

/// Elements matching the CSS selector list `css`.
pub fn css(css: &str) -> Target {
    Target {
        css: css.to_string(),
        text: None,
        visible: false,
        within: None,
    }
}

impl Target {
    /// Keeps only elements whose text contains `text` (case-insensitive).
    pub fn with_text(mut self, text: &str) -> Target {
        self.text = Some(text.to_string());
        self
    }

    /// Keeps only rendered elements.
    pub fn visible(mut self) -> Target {
        self.visible = true;
        self
    }

    /// Searches inside the first element matching `css` only.
    pub fn within(mut self, css: &str) -> Target {
        self.within = Some(css.to_string());
        self
    }
}
