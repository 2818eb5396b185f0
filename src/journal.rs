//! A durable second copy of every record write, in IndexedDB.
//!
//! Why: Chromium keeps localStorage writes in memory and commits them to
//! disk about five seconds later, so a browser that is killed (or a tablet
//! that dies) right after "saved" would lose the last writes. IndexedDB
//! with `durability: "strict"` is on disk when its transaction completes.
//! localStorage stays the working store (synchronous, simple); this journal
//! is what makes "Saved on this device" true, and what a restart recovers
//! from.
//!
//! Writes go through one queue, in order, so a later version of a record
//! can never be overtaken by an earlier one.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransaction};

#[wasm_bindgen]
extern "C" {
    /// `db.transaction(store, "readwrite", { durability: "strict" })`:
    /// web-sys marks the options form unstable, so it is bound here.
    #[wasm_bindgen(js_name = IDBDatabase)]
    type DurableDb;
    #[wasm_bindgen(catch, method, js_name = transaction)]
    fn transaction_with_options(
        this: &DurableDb,
        store: &str,
        mode: &str,
        options: &JsValue,
    ) -> Result<IdbTransaction, JsValue>;
}

const DB_NAME: &str = "advocase-journal";
const STORE: &str = "records";

thread_local! {
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
    static QUEUE: RefCell<VecDeque<(String, Option<String>)>> = const { RefCell::new(VecDeque::new()) };
    static RUNNING: RefCell<bool> = const { RefCell::new(false) };
}

/// Resolves when `request` succeeds (with its result) or fails.
async fn request_done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let req = request.clone();
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &req.result().unwrap_or(JsValue::UNDEFINED));
        });
        let fail = Closure::once_into_js(move || {
            let _ = reject.call1(
                &JsValue::NULL,
                &JsValue::from_str("IndexedDB request failed"),
            );
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(fail.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| {
        e.as_string()
            .unwrap_or_else(|| "IndexedDB request failed".into())
    })
}

async fn db() -> Result<IdbDatabase, String> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("this browser offers no IndexedDB")?;
    let open = factory
        .open_with_u32(DB_NAME, 1)
        .map_err(|_| "IndexedDB refused to open")?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if let Some(db) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::IdbOpenDbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
            && !db.object_store_names().contains(STORE)
        {
            let _ = db.create_object_store(STORE);
        }
    });
    open.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let result = request_done(&open).await;
    open.set_onupgradeneeded(None);
    drop(upgrade);
    let db: IdbDatabase = result?
        .dyn_into()
        .map_err(|_| "IndexedDB returned no database")?;
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

async fn put_now(key: &str, value: Option<&str>) -> Result<(), String> {
    let db = db().await?;
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"durability".into(), &"strict".into());
    let tx = db
        .unchecked_ref::<DurableDb>()
        .transaction_with_options(STORE, "readwrite", &options)
        .map_err(|_| "IndexedDB refused a transaction")?;
    let store = tx
        .object_store(STORE)
        .map_err(|_| "IndexedDB store missing")?;
    match value {
        Some(v) => store
            .put_with_key(&JsValue::from_str(v), &JsValue::from_str(key))
            .map(|_| ()),
        None => store.delete(&JsValue::from_str(key)).map(|_| ()),
    }
    .map_err(|_| "IndexedDB refused the write")?;
    // Durable only once the transaction completes, not when the put succeeds.
    let done = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let fail = Closure::once_into_js(move || {
            let _ = reject.call1(
                &JsValue::NULL,
                &JsValue::from_str("IndexedDB transaction failed (is the disk full?)"),
            );
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onerror(Some(fail.unchecked_ref()));
        tx.set_onabort(Some(fail.unchecked_ref()));
    });
    JsFuture::from(done)
        .await
        .map(|_| ())
        .map_err(|e| e.as_string().unwrap_or_default())
}

/// Queues `value` under `key` (`None`: remove the record), in order with
/// every other write; `on_done` runs once it is on disk (or failed).
pub fn write(
    key: String,
    value: Option<String>,
    on_done: impl FnOnce(Result<(), String>) + 'static,
) {
    QUEUE.with(|q| q.borrow_mut().push_back((key, value)));
    CALLBACKS.with(|c| c.borrow_mut().push_back(Box::new(on_done)));
    if RUNNING.with(|r| r.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        while let Some((key, value)) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
            let result = put_now(&key, value.as_deref()).await;
            if let Some(cb) = CALLBACKS.with(|c| c.borrow_mut().pop_front()) {
                cb(result);
            }
        }
        RUNNING.with(|r| *r.borrow_mut() = false);
    });
}

/// [`write`], resolved once the record is on disk (or the write failed).
pub async fn write_durably(key: String, value: Option<String>) -> Result<(), String> {
    let done = Rc::new(RefCell::new(None::<Result<(), String>>));
    let promise = Promise::new(&mut |resolve, _| {
        let done = done.clone();
        write(key.clone(), value.clone(), move |result| {
            *done.borrow_mut() = Some(result);
            let _ = resolve.call0(&JsValue::NULL);
        });
    });
    let _ = JsFuture::from(promise).await;
    let result = done.borrow_mut().take();
    result.unwrap_or(Ok(()))
}

type Callback = Box<dyn FnOnce(Result<(), String>)>;
thread_local! {
    static CALLBACKS: RefCell<VecDeque<Callback>> = const { RefCell::new(VecDeque::new()) };
}

/// Every journaled record, as `(key, value)`.
pub async fn entries() -> Result<Vec<(String, String)>, String> {
    let db = db().await?;
    let tx = db
        .transaction_with_str(STORE)
        .map_err(|_| "IndexedDB refused a transaction")?;
    let store = tx
        .object_store(STORE)
        .map_err(|_| "IndexedDB store missing")?;
    let keys: Array = request_done(
        &store
            .get_all_keys()
            .map_err(|_| "IndexedDB refused to list")?,
    )
    .await?
    .unchecked_into();
    let values: Array = request_done(&store.get_all().map_err(|_| "IndexedDB refused to read")?)
        .await?
        .unchecked_into();
    Ok(keys
        .iter()
        .zip(values.iter())
        .filter_map(|(k, v)| Some((k.as_string()?, v.as_string()?)))
        .collect())
}
