//! A person takes over an account's tab from the console, to solve what only a person can (a
//! security checkpoint, a 2FA code, an e-mail PIN) in the daemon's own browser profile, the
//! device LinkedIn knows.
//!
//! The tab is streamed with CDP `Page.startScreencast` (JPEG frames, each acknowledged, the
//! latest kept) and the person's clicks and keys are replayed as CDP input events. It is only
//! possible while the account waits for a person, and ends by itself once the tab reaches the
//! feed: the session is saved and the account resumes, without a restart. The lanes stay
//! stopped for the account meanwhile (they never run for a paused account).

use super::BrowserError;
use super::input::{self, Pace};
use base64::Engine as _;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::page::{
    EventScreencastFrame, ScreencastFrameAckParams, StartScreencastFormat, StartScreencastParams,
    StopScreencastParams,
};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The widest frame streamed (the tab is 1280 px wide).
const MAX_WIDTH: i64 = 1280;
/// The tallest frame streamed.
const MAX_HEIGHT: i64 = 1000;
/// JPEG quality of the frames.
const QUALITY: i64 = 70;

/// One frame of the tab.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The JPEG image.
    pub jpeg: Vec<u8>,
    /// The tab's width in CSS pixels (clicks are given in these).
    pub width: f64,
    /// The tab's height in CSS pixels.
    pub height: f64,
    /// Its number, from 1.
    pub seq: u64,
    /// When it arrived.
    pub at: Instant,
}

/// What a person does on the streamed tab.
#[derive(Debug, Clone, PartialEq)]
pub enum PersonInput {
    /// A left click at a point of the frame, as fractions of its width and height (0..1).
    Click {
        /// From the left edge.
        x: f64,
        /// From the top edge.
        y: f64,
    },
    /// Text typed (one or more characters).
    Text(String),
    /// A named key: Enter, Backspace, Tab, Escape, Delete, the arrows, Home, End.
    Key(String),
}

/// The keys a person may press on the streamed tab besides text.
pub const KEYS: [&str; 11] = [
    "Enter",
    "Backspace",
    "Tab",
    "Escape",
    "Delete",
    "ArrowLeft",
    "ArrowRight",
    "ArrowUp",
    "ArrowDown",
    "Home",
    "End",
];

/// A running screencast of one tab, with the person's input going to it.
pub struct Handover {
    page: Page,
    frames: watch::Receiver<Option<Arc<Frame>>>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Handover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handover").finish_non_exhaustive()
    }
}

impl Handover {
    /// Starts streaming `page`.
    pub async fn start(page: Page) -> Result<Handover, BrowserError> {
        let mut events = page.event_listener::<EventScreencastFrame>().await?;
        let params = StartScreencastParams::builder()
            .format(StartScreencastFormat::Jpeg)
            .quality(QUALITY)
            .max_width(MAX_WIDTH)
            .max_height(MAX_HEIGHT)
            .every_nth_frame(1)
            .build();
        page.execute(params).await?;
        let (tx, frames) = watch::channel(None);
        let acks = page.clone();
        let task = tokio::spawn(async move {
            let mut seq = 0;
            while let Some(event) = events.next().await {
                // Chromium sends the next frame only once this one is acknowledged.
                let _ = acks
                    .execute(ScreencastFrameAckParams::new(event.session_id))
                    .await;
                let Ok(jpeg) = base64::engine::general_purpose::STANDARD
                    .decode(AsRef::<str>::as_ref(&event.data))
                else {
                    continue;
                };
                seq += 1;
                let frame = Frame {
                    jpeg,
                    width: event.metadata.device_width,
                    height: event.metadata.device_height,
                    seq,
                    at: Instant::now(),
                };
                if tx.send(Some(Arc::new(frame))).is_err() {
                    break;
                }
            }
        });
        Ok(Handover { page, frames, task })
    }

    /// The newest frame, once one arrived.
    pub fn latest(&self) -> Option<Arc<Frame>> {
        self.frames.borrow().clone()
    }

    /// Waits until a frame newer than `seq` arrives (or the stream ends).
    pub async fn newer_than(&self, seq: u64) -> Option<Arc<Frame>> {
        let mut frames = self.frames.clone();
        loop {
            if let Some(frame) = frames.borrow().clone()
                && frame.seq > seq
            {
                return Some(frame);
            }
            if frames.changed().await.is_err() {
                return None;
            }
        }
    }

    /// Replays what a person did on the tab.
    pub async fn apply(&self, what: &PersonInput) -> Result<(), BrowserError> {
        match what {
            PersonInput::Click { x, y } => {
                let frame = self.latest().ok_or_else(|| {
                    BrowserError::Invalid("no frame of the tab yet: wait for the picture".into())
                })?;
                if !(0.0..=1.0).contains(x) || !(0.0..=1.0).contains(y) {
                    return Err(BrowserError::Invalid(
                        "a click outside the picture of the tab".into(),
                    ));
                }
                input::click_at(&self.page, x * frame.width, y * frame.height, Pace(0.0)).await
            }
            PersonInput::Text(text) => input::type_text(&self.page, text, Pace(0.0)).await,
            PersonInput::Key(key) if KEYS.contains(&key.as_str()) => {
                input::press(&self.page, key).await
            }
            PersonInput::Key(key) => Err(BrowserError::Invalid(format!(
                "the key `{key}` is not passed to the tab: type text, or use {}",
                KEYS.join(", ")
            ))),
        }
    }

    /// Stops streaming.
    pub async fn stop(self) {
        let _ = self.page.execute(StopScreencastParams::default()).await;
        self.task.abort();
    }
}

impl Drop for Handover {
    fn drop(&mut self) {
        self.task.abort();
    }
}
