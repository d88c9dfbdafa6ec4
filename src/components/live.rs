//! Live figures: once the page is hydrated it follows `/api/stream` (an
//! EventSource) and the figures that move with prices — the headline, the holdings
//! cards, the positions' price, day change, market value, P&L and weight — change
//! in place, each changed one briefly highlighted (not with `prefers-reduced-motion`).
//! Until the first event, and without JavaScript, every figure is the one the server
//! rendered. If the stream fails, the figures go back to the server's (the page's
//! own minute-by-minute refresh renders them anew) and the stream is opened again,
//! by the browser or, when the browser gives up, here after a growing pause. A
//! figure the server could not compute stays "—": the stream only ever replaces a
//! number with a newer number.

use crate::model::{LivePortfolio, LivePosition};
use leptos::prelude::*;
use rust_decimal::Decimal;

/// What the page reads of a `quote` event (the rest of `LiveQuote` is left unread:
/// a smaller decoder in the WASM).
#[derive(Clone, serde::Deserialize)]
pub struct Tick {
    pub symbol: String,
    pub price: Decimal,
    pub change: Option<Decimal>,
    pub change_percent: Option<Decimal>,
}

/// The latest events of the page's stream (empty on the server).
#[derive(Clone, Copy)]
pub struct Live {
    pub portfolio: RwSignal<Option<LivePortfolio>>,
    /// The latest `quote` of each symbol (a handful: a list).
    pub quotes: RwSignal<Vec<Tick>>,
    /// The stream is open and has sent its first event.
    pub on: RwSignal<bool>,
}

impl Live {
    /// A figure of the latest quote of `symbol`.
    pub fn quote(&self, symbol: &str, pick: fn(&Tick) -> Option<String>) -> Option<String> {
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
    use super::{Live, Tick};
    use crate::model::LivePortfolio;
    use leptos::prelude::*;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    type Handler = Closure<dyn Fn(MessageEvent)>;

    /// The page's stream: the browser retries a dropped connection by itself, but
    /// gives up for good on an answer that is not a stream (a 429, a 503 while a
    /// server restarts behind a proxy); this opens it again after a pause.
    struct Follower {
        url: String,
        live: Live,
        source: RefCell<Option<EventSource>>,
        /// The listeners of the source open now (dropped with it).
        handlers: RefCell<Vec<Handler>>,
        failures: Cell<u32>,
        gone: Cell<bool>,
    }

    pub fn follow(live: Live, symbols: Option<String>) {
        let url = match symbols {
            // Checked tickers (`A-Z 0-9 . - :`): nothing to escape in a query.
            Some(symbols) => format!("/api/stream?symbols={symbols}"),
            None => "/api/stream".to_string(),
        };
        let follower = Rc::new(Follower {
            url,
            live,
            source: RefCell::new(None),
            handlers: RefCell::new(Vec::new()),
            failures: Cell::new(0),
            gone: Cell::new(false),
        });
        open(&follower);
        let kept = send_wrapper::SendWrapper::new(follower);
        on_cleanup(move || {
            kept.gone.set(true);
            if let Some(source) = kept.source.borrow_mut().take() {
                source.close();
            }
        });
    }

    fn open(follower: &Rc<Follower>) {
        let Ok(source) = EventSource::new(&follower.url) else { return };
        let live = follower.live;
        let heard = {
            let weak = Rc::downgrade(follower);
            move || {
                live.on.set(true);
                if let Some(f) = weak.upgrade() {
                    f.failures.set(0);
                }
            }
        };
        let on_quote = Closure::<dyn Fn(MessageEvent)>::new({
            let heard = heard.clone();
            move |event: MessageEvent| {
                if let Some(tick) = read::<Tick>(&event) {
                    heard();
                    live.quotes.update(|ticks| match ticks.iter_mut().find(|t| t.symbol == tick.symbol) {
                        Some(kept) => *kept = tick,
                        None => ticks.push(tick),
                    });
                }
            }
        });
        let on_portfolio = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(portfolio) = read::<LivePortfolio>(&event) {
                heard();
                live.portfolio.set(Some(portfolio));
            }
        });
        // Any failure: the figures go back to what the server rendered (and the
        // minute's refresh renders anew), never a frozen live value. A source the
        // browser closed for good is opened again, later each time, up to a minute.
        let on_error = Closure::<dyn Fn(MessageEvent)>::new({
            let weak = Rc::downgrade(follower);
            move |_| {
                live.on.set(false);
                live.portfolio.set(None);
                live.quotes.update(|quotes| quotes.clear());
                let Some(f) = weak.upgrade() else { return };
                let closed = f.source.borrow().as_ref().is_some_and(|s| s.ready_state() == EventSource::CLOSED);
                if closed && !f.gone.get() {
                    let failures = f.failures.get() + 1;
                    f.failures.set(failures);
                    let pause = std::time::Duration::from_secs((5u64 << failures.min(4)).min(60));
                    let weak = Rc::downgrade(&f);
                    set_timeout(
                        move || {
                            if let Some(f) = weak.upgrade().filter(|f| !f.gone.get()) {
                                open(&f);
                            }
                        },
                        pause,
                    );
                }
            }
        });
        let _ = source.add_event_listener_with_callback("quote", on_quote.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("portfolio", on_portfolio.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
        if let Some(old) = follower.source.borrow_mut().replace(source) {
            old.close();
        }
        *follower.handlers.borrow_mut() = vec![on_quote, on_portfolio, on_error];
    }

    fn read<T: serde::de::DeserializeOwned>(event: &MessageEvent) -> Option<T> {
        // Through `wire`, so these types share the one deserializer the WASM has.
        crate::wire::from_json(&event.data().as_string()?).ok()
    }
}
