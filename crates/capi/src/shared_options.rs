//! The settings C clients share instead of each holding a copy: the defaults, for every
//! client that changes none, and one copy of each set of settings the setters left alike.
use net_websocket_client::Options;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

/// How many distinct sets of options the setters remember, to share them.
const REMEMBERED_OPTIONS: usize = 16;

/// The default options, one copy for every client that changes none (OpenHarmony code that
/// uses only the standard functions calls no setter): each such client keeps a pointer, not
/// its own half KiB of settings, and they share the TLS configurations built from them. Also
/// read by setters given 0 ("the default"): read, not rebuilt (a fresh `Options` allocates
/// its TLS settings).
pub(crate) fn defaults() -> &'static Arc<Options> {
    static DEFAULT: OnceLock<Arc<Options>> = OnceLock::new();
    DEFAULT.get_or_init(|| Arc::new(Options::default()))
}

/// `options` as one `Arc` with every client whose setters left the same settings: many
/// clients configured alike keep one copy of their half KiB of settings, and build their
/// TLS configurations once, instead of one each.
pub(crate) fn shared(options: Options) -> Arc<Options> {
    // Weak: settings no client holds any more are freed (and forgotten at the next call).
    static REMEMBERED: Mutex<Vec<Weak<Options>>> = Mutex::new(Vec::new());
    let defaults = defaults();
    if options == **defaults {
        return defaults.clone();
    }
    let mut remembered = REMEMBERED.lock().unwrap_or_else(PoisonError::into_inner);
    // Forget the settings no client holds any more: most often a client's settings before
    // its latest setter call, which that call replaced.
    remembered.retain(|weak| weak.strong_count() > 0);
    if let Some(same) = remembered
        .iter()
        .filter_map(Weak::upgrade)
        .find(|held| **held == options)
    {
        return same;
    }
    if remembered.len() == REMEMBERED_OPTIONS {
        remembered.remove(0);
    }
    let options = Arc::new(options);
    remembered.push(Arc::downgrade(&options));
    options
}
