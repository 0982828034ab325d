//! IAM's listings page with `Marker` and `IsTruncated`: one loop serves all of them, so each
//! listing says only which call it makes and what it keeps of a page.

use std::future::Future;

use ecrplan_model::ProviderError;

/// One page of an IAM listing: what it holds and the marker of the next page, if any.
pub(crate) struct Page<T> {
    items: Vec<T>,
    next: Option<String>,
}

impl<T> Page<T> {
    /// A page as IAM answers it: its marker counts only while IAM says the listing is
    /// truncated.
    pub(crate) fn new(items: Vec<T>, truncated: bool, marker: Option<String>) -> Self {
        Self {
            items,
            next: marker.filter(|m| truncated && !m.is_empty()),
        }
    }
}

/// Every item of every page. `fetch` reads the page at a marker (`None`: the first); it
/// answers `None` when the entity being listed has gone (NoSuchEntity), which ends the
/// listing with what was read so far.
pub(crate) async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, ProviderError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Option<Page<T>>, ProviderError>>,
{
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let Some(page) = fetch(marker.take()).await? else {
            return Ok(out);
        };
        out.extend(page.items);
        match page.next {
            Some(next) => marker = Some(next),
            None => return Ok(out),
        }
    }
}
