//! Mouse and keyboard input with human-like timing, as CDP input events.
//!
//! Keystrokes of the US layout are real key events (keydown, keypress, input, keyup); any
//! other character is inserted like an IME would. A newline is inserted as text, never as an
//! Enter key press, so a multi-line message cannot be sent half-typed by a page that sends
//! on Enter (a bug of the reference).

use super::BrowserError;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, DispatchMouseEventParams, DispatchMouseEventType,
    InsertTextParams, MouseButton,
};
use chromiumoxide::keys::{KeyDefinition, get_key_definition};
use rand::RngExt;
use std::time::Duration;

/// Scales the human-like delays: 0 removes them, 1 is human speed.
#[derive(Debug, Clone, Copy)]
pub struct Pace(pub f64);

impl Pace {
    /// A random delay between `min_ms` and `max_ms`, scaled.
    pub fn delay(self, min_ms: u64, max_ms: u64) -> Duration {
        if self.0 <= 0.0 {
            return Duration::ZERO;
        }
        let ms = rand::rng().random_range(min_ms..=max_ms.max(min_ms));
        Duration::from_secs_f64(ms as f64 * self.0 / 1000.0)
    }

    /// Sleeps a random delay between `min_ms` and `max_ms`, scaled.
    pub async fn pause(self, min_ms: u64, max_ms: u64) {
        let d = self.delay(min_ms, max_ms);
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }
}

/// Moves the mouse to `(x, y)` and clicks the left button there.
pub async fn click_at(page: &Page, x: f64, y: f64, pace: Pace) -> Result<(), BrowserError> {
    let event = |kind| {
        DispatchMouseEventParams::builder()
            .r#type(kind)
            .x(x)
            .y(y)
            .button(MouseButton::Left)
            .click_count(1)
            .build()
            .map_err(BrowserError::Page)
    };
    page.execute(event(DispatchMouseEventType::MouseMoved)?)
        .await?;
    pace.pause(40, 120).await;
    page.execute(event(DispatchMouseEventType::MousePressed)?)
        .await?;
    pace.pause(40, 110).await;
    page.execute(event(DispatchMouseEventType::MouseReleased)?)
        .await?;
    Ok(())
}

/// Types `text` into the focused element, one character at a time.
pub async fn type_text(page: &Page, text: &str, pace: Pace) -> Result<(), BrowserError> {
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let s: &str = c.encode_utf8(&mut buf);
        match get_key_definition(s) {
            Some(def) if c != '\n' && c != '\r' => {
                stroke(page, def, DispatchKeyEventType::KeyDown, Some(s)).await?;
            }
            _ => {
                let insert = InsertTextParams::builder()
                    .text(s)
                    .build()
                    .map_err(BrowserError::Page)?;
                page.execute(insert).await?;
            }
        }
        pace.pause(45, 160).await;
    }
    Ok(())
}

/// Presses and releases a named key ("Enter", "Escape", "Tab", "Backspace", "ArrowDown"...).
pub async fn press(page: &Page, key: &str) -> Result<(), BrowserError> {
    let def = get_key_definition(key).ok_or_else(|| {
        BrowserError::Invalid(format!(
            "unknown key `{key}`: use a DOM key name such as Enter, Escape, Tab or ArrowDown"
        ))
    })?;
    let down = if def.text.is_some() {
        DispatchKeyEventType::KeyDown
    } else {
        DispatchKeyEventType::RawKeyDown
    };
    stroke(page, def, down, def.text).await
}

/// One key down (of kind `down`, typing `text`) and up.
async fn stroke(
    page: &Page,
    def: &KeyDefinition,
    down: DispatchKeyEventType,
    text: Option<&str>,
) -> Result<(), BrowserError> {
    for (kind, text) in [(down, text), (DispatchKeyEventType::KeyUp, None)] {
        let mut event = DispatchKeyEventParams::builder()
            .r#type(kind)
            .key(def.key)
            .code(def.code)
            .windows_virtual_key_code(def.key_code)
            .native_virtual_key_code(def.key_code);
        if let Some(text) = text {
            event = event.text(text);
        }
        page.execute(event.build().map_err(BrowserError::Page)?)
            .await?;
    }
    Ok(())
}
