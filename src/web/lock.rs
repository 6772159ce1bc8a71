//! A connection's lock across the flows of the page and the tabs of the origin: the Web Locks API
//! (`navigator.locks.request(name, { signal }, callback)`), held from the moment the browser
//! calls the callback until [`Held`] is dropped, which resolves the promise the callback
//! returned. Where the API is missing (an older browser, an insecure context) there is no lock:
//! flows of one connection in two tabs then each open Link, as before.

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use super::bindings::LockManager;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::AbortController;

/// Whether the lock was granted, and who waits for it.
#[derive(Default)]
struct Grant {
    granted: bool,
    waker: Option<Waker>,
}

/// A lock asked for, or held. Dropped before it was granted, the request is aborted (the
/// browser then never calls the callback); dropped after, the lock is released.
pub(crate) struct Held {
    grant: Rc<RefCell<Grant>>,
    /// Resolves the promise the callback returned.
    release: Function,
    /// Aborts the request while it waits.
    waiting: AbortController,
    /// The callback the browser calls when it grants the lock; it lives as long as the request.
    _callback: Closure<dyn FnMut(JsValue) -> JsValue>,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("granted", &self.grant.borrow().granted)
            .finish_non_exhaustive()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        match self.grant.borrow().granted {
            true => {
                let _ = self.release.call0(&JsValue::UNDEFINED);
            }
            false => self.waiting.abort(),
        }
    }
}

/// `navigator.locks`, where the page has it.
fn lock_manager() -> Option<LockManager> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    locks.is_object().then(|| locks.unchecked_into())
}

/// Takes the lock `name`, waiting while others hold it; `None` where the page has no Web Locks
/// (or refuses the request).
pub(super) async fn lock(name: &str) -> Option<Held> {
    let locks = lock_manager()?;
    let waiting = AbortController::new().ok()?;
    let mut resolve = None;
    let held_until = Promise::new(&mut |resolve_fn, _| resolve = Some(resolve_fn));
    let release = resolve?;
    let grant = Rc::new(RefCell::new(Grant::default()));
    let granted = Rc::clone(&grant);
    let callback = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |_lock| {
        let waker = {
            let mut grant = granted.borrow_mut();
            grant.granted = true;
            grant.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        held_until.clone().into()
    });
    let options = Object::new();
    Reflect::set(&options, &"signal".into(), &waiting.signal()).ok()?;
    let request = locks
        .request(name, &options, callback.as_ref().unchecked_ref())
        .ok()?;
    // The request settles when the lock is released, or rejects when it is aborted: observed
    // here, so that an abort is no unhandled rejection.
    spawn_local(async move {
        let _ = JsFuture::from(request).await;
    });
    let held = Held {
        grant,
        release,
        waiting,
        _callback: callback,
    };
    poll_fn(|cx| {
        let mut grant = held.grant.borrow_mut();
        if grant.granted {
            return Poll::Ready(());
        }
        grant.waker = Some(cx.waker().clone());
        Poll::Pending
    })
    .await;
    Some(held)
}
