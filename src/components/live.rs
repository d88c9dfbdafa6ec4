//! Live figures: once the page is hydrated it follows `/api/stream` (an
//! EventSource) and the figures that move with prices — the headline, the holdings
//! cards, the positions' price, day change, market value, P&L and weight — change
//! in place, each changed one briefly highlighted (not with `prefers-reduced-motion`).
//! Until the first event, and without JavaScript, every figure is the one the server
//! rendered. If the stream fails, the figures go back to the server's (the page's
//! own minute-by-minute refresh renders them anew) and the stream is opened again,
//! by the browser or, when the browser gives up, here within 30 s. A
//! figure the server could not compute stays "—": the stream only ever replaces a
//! number with a newer number.

use crate::model::{LivePortfolio, LivePosition};
use leptos::prelude::*;

/// The latest events of the page's stream (empty on the server).
#[derive(Clone, Copy)]
pub struct Live {
    pub portfolio: RwSignal<Option<LivePortfolio>>,
    /// The latest `quote` of each symbol (a handful: a list), read as a position
    /// (see [`LivePosition`]): only `current_price`, `day_change` (per share, not
    /// for a holding) and `day_change_pct` are set; the rest is always None.
    pub quotes: RwSignal<Vec<LivePosition>>,
    /// The stream is open and has sent its first event.
    pub on: RwSignal<bool>,
}

impl Live {
    /// A figure of the latest quote of `symbol`.
    pub fn quote(&self, symbol: &str, pick: fn(&LivePosition) -> Option<String>) -> Option<String> {
        self.quotes.with(|q| q.iter().find(|t| t.symbol == symbol).and_then(&pick))
    }

    /// A figure of one position from the latest `portfolio` event.
    pub fn position(&self, symbol: &str, pick: fn(&LivePosition) -> Option<String>) -> Option<String> {
        self.portfolio.with(|p| p.as_ref()?.positions.iter().find(|x| x.symbol == symbol).and_then(&pick))
    }
}

/// Makes the page's [`Live`] and, in the browser, opens the stream (closed when
/// the page goes). `symbols`: extra symbols to follow (the symbol page's own).
pub fn provide_live(symbols: Option<String>) -> Live {
    let live = Live { portfolio: RwSignal::new(None), quotes: RwSignal::new(Vec::new()), on: RwSignal::new(false) };
    provide_context(live);
    #[cfg(feature = "hydrate")]
    browser::follow(live, symbols);
    #[cfg(not(feature = "hydrate"))]
    let _ = symbols;
    live
}

/// `server`'s text until the stream has a value (`pick`), then the stream's, with a
/// highlight on each change. `signed`: coloured by its sign (gains green, losses red),
/// which can change with the price.
pub fn live_text(
    server: String,
    signed: bool,
    pick: impl Fn(&Live) -> Option<String> + Send + Sync + 'static,
) -> AnyView {
    shown_text(server, signed, Box::new(pick))
}

/// A figure of the latest `portfolio` event, as [`live_text`].
pub fn portfolio_text(server: String, signed: bool, pick: fn(&LivePortfolio) -> Option<String>) -> AnyView {
    live_text(server, signed, move |live| live.portfolio.with(|p| p.as_ref().and_then(pick)))
}

/// The classes of a live figure by its sign (none, gain, loss) and highlight (none, a, b).
const CLASSES: [[&str; 3]; 3] = [
    ["", "live-flash-a", "live-flash-b"],
    [
        GAIN,
        "text-emerald-700 dark:text-emerald-400 live-flash-a",
        "text-emerald-700 dark:text-emerald-400 live-flash-b",
    ],
    [LOSS, "text-rose-700 dark:text-rose-400 live-flash-a", "text-rose-700 dark:text-rose-400 live-flash-b"],
];
const GAIN: &str = "text-emerald-700 dark:text-emerald-400";
const LOSS: &str = "text-rose-700 dark:text-rose-400";

type Pick = Box<dyn Fn(&Live) -> Option<String> + Send + Sync>;

/// [`live_text`]'s one body (not generic: one copy in the WASM).
fn shown_text(server: String, signed: bool, pick: Pick) -> AnyView {
    let live = use_context::<Live>();
    let shown = Memo::new(move |_| live.and_then(|l| pick(&l)).unwrap_or_else(|| server.clone()));
    // How many times the text changed: the highlight's class flips between two
    // names so that its animation starts again on every change.
    let changes = std::sync::atomic::AtomicUsize::new(0);
    let first = std::sync::atomic::AtomicBool::new(true);
    let class = move || {
        shown.with(|text| {
            use std::sync::atomic::Ordering::Relaxed;
            let flash = if first.swap(false, Relaxed) { 0 } else { 1 + changes.fetch_add(1, Relaxed) % 2 };
            let tone = if !signed {
                0
            } else if text.starts_with('+') {
                1
            } else if text.starts_with(['-', '\u{2212}']) {
                2
            } else {
                0
            };
            CLASSES[tone][flash]
        })
    };
    view! { <span class=class>{move || shown.get()}</span> }.into_any()
}

/// "Live" beside the price badge while the stream is open.
#[component]
pub fn LiveDot() -> impl IntoView {
    let on = use_context::<Live>().map(|l| l.on);
    view! {
        <span
            class="ml-2 text-xs font-medium text-emerald-700 dark:text-emerald-400"
            class:hidden=move || !on.is_some_and(|on| on.get())
            aria-live="polite"
        >
            <span aria-hidden="true">"● "</span>
            "Streaming"
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Live;
    use crate::model::{LivePortfolio, LivePosition};
    use leptos::prelude::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    /// How often a stream the browser gave up on is opened again. The browser
    /// retries a dropped connection by itself, but not an answer that is not a
    /// stream (a 429, or a 503 while a server restarts behind a proxy).
    const REOPEN: std::time::Duration = std::time::Duration::from_secs(30);

    /// The page's listeners, made once and given to every source it opens.
    struct Listeners {
        quote: Closure<dyn Fn(MessageEvent)>,
        portfolio: Closure<dyn Fn(MessageEvent)>,
        error: Closure<dyn Fn(MessageEvent)>,
    }

    pub fn follow(live: Live, symbols: Option<String>) {
        let url = match symbols {
            // Checked tickers (`A-Z 0-9 . - :`): nothing to escape in a query.
            Some(symbols) => format!("/api/stream?symbols={symbols}"),
            None => "/api/stream".to_string(),
        };
        let listeners = Listeners {
            quote: Closure::new(move |event: MessageEvent| {
                if let Some(tick) = read::<LivePosition>(&event) {
                    live.on.set(true);
                    live.quotes.update(|ticks| match ticks.iter_mut().find(|t| t.symbol == tick.symbol) {
                        Some(kept) => *kept = tick,
                        None => ticks.push(tick),
                    });
                }
            }),
            portfolio: Closure::new(move |event: MessageEvent| {
                if let Some(portfolio) = read::<LivePortfolio>(&event) {
                    live.on.set(true);
                    live.portfolio.set(Some(portfolio));
                }
            }),
            // Any failure: the figures go back to what the server rendered (and the
            // minute's refresh renders anew), never a frozen live value.
            error: Closure::new(move |_| {
                live.on.set(false);
                live.portfolio.set(None);
                live.quotes.update(Vec::clear);
            }),
        };
        let source = Rc::new(RefCell::new(open(&url, &listeners)));
        let reopen = {
            let source = source.clone();
            move || {
                let closed = source.borrow().as_ref().is_none_or(|s| s.ready_state() == EventSource::CLOSED);
                if closed {
                    *source.borrow_mut() = open(&url, &listeners);
                }
            }
        };
        let timer = set_interval_with_handle(reopen, REOPEN).ok();
        let kept = send_wrapper::SendWrapper::new(source);
        on_cleanup(move || {
            if let Some(timer) = timer {
                timer.clear();
            }
            if let Some(source) = kept.borrow_mut().take() {
                source.close();
            }
        });
    }

    fn open(url: &str, listeners: &Listeners) -> Option<EventSource> {
        let source = EventSource::new(url).ok()?;
        for (kind, listener) in
            [("quote", &listeners.quote), ("portfolio", &listeners.portfolio), ("error", &listeners.error)]
        {
            let _ = source.add_event_listener_with_callback(kind, listener.as_ref().unchecked_ref());
        }
        Some(source)
    }

    fn read<T: serde::de::DeserializeOwned>(event: &MessageEvent) -> Option<T> {
        // Through `wire`, so these types share the one deserializer the WASM has.
        crate::wire::from_json(&event.data().as_string()?).ok()
    }
}
