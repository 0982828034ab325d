//! Plan and drift views: text, JSON and Markdown behind one trait.
