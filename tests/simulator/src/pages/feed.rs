//! The feed (`/feed/`): global nav with the self link and one post per author.

use super::{PageCtx, document, escape, global_nav, page_containers};
use crate::scenario::Person;

const POSTS: &[&str] = &[
    "Excited to share that our team just shipped a big release. Proud of everyone involved!",
    "Three lessons from a year of building in public: be consistent, be useful, be kind.",
    "We're hiring! If you love solving hard problems with great people, my DMs are open.",
    "Great panel today on the future of work. Thanks to everyone who joined the discussion.",
    "Customer conversations beat dashboards. Talk to five users this week.",
    "Happy to announce I'm starting a new position. Grateful for the journey so far.",
];

/// Renders the feed with a post by each of `authors`.
pub fn render(ctx: &PageCtx, viewer: &Person, authors: &[&Person]) -> String {
    let mut posts = String::new();
    for (i, a) in authors.iter().enumerate() {
        let href = escape(&ctx.profile_href(&a.handle, ""));
        posts.push_str(&format!(
            "<div class=\"feed-shared-update-v2 artdeco-card\" data-urn=\"urn:li:activity:{id}\">\
             <div class=\"update-components-actor\">\
             <a class=\"update-components-actor__meta-link\" href=\"{href}\">\
             <span class=\"update-components-actor__title\">{name}</span></a>\
             <span class=\"update-components-actor__description\">{headline}</span></div>\
             <div class=\"update-components-text\"><p>{text}</p></div></div>",
            id = 7_200_000_000_000_000_000u64 + a.member_id * 31 + i as u64,
            name = escape(&a.full_name()),
            headline = escape(&a.headline),
            text = escape(POSTS[i % POSTS.len()]),
        ));
    }
    if authors.is_empty() {
        posts.push_str(
            "<div class=\"artdeco-card\"><p>Your feed is empty. Grow your network.</p></div>",
        );
    }
    let body = format!(
        "{nav}<div class=\"scaffold-layout\"><aside class=\"scaffold-layout__aside\">\
         <div class=\"artdeco-card feed-identity-module\">\
         <a class=\"feed-identity-module__actor-meta\" href=\"{me}\"><h3>{name}</h3></a>\
         <p class=\"text-body-small\">{headline}</p></div></aside>\
         <main class=\"scaffold-layout__main\" aria-label=\"Main Feed\">{posts}</main></div>{containers}",
        nav = global_nav(ctx),
        me = escape(&ctx.profile_href(&viewer.handle, "")),
        name = escape(&viewer.full_name()),
        headline = escape(&viewer.headline),
        containers = page_containers(),
    );
    document("Feed", &body)
}
