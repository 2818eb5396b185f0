//! Calls to the Advocase server's JSON API. Each returns a sentence for a
//! person on failure: the UI shows it as it is.

use advocase_core::api::{ApiError, HealthReport};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestInit, Response};

pub async fn health() -> Result<HealthReport, String> {
    get_json("/api/health").await
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, String> {
    let window = web_sys::window().ok_or("no browser window")?;
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    let unreachable = |_| "The server could not be reached.".to_owned();
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(unreachable)?
        .dyn_into()
        .map_err(|_| "The server sent something that is not an HTTP response.".to_owned())?;
    let text = JsFuture::from(response.text().map_err(unreachable)?)
        .await
        .map_err(unreachable)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&text)
            .map_err(|e| format!("The server's answer could not be read ({e})."))
    } else {
        Err(match serde_json::from_str::<ApiError>(&text) {
            Ok(e) => e.message,
            Err(_) => format!("The server answered with status {}.", response.status()),
        })
    }
}
