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

use crate::model::{LivePortfolio, LivePosition, LiveQuote};
use leptos::prelude::*;
use std::collections::HashMap;

/// The latest events of the page's stream (empty on the server).
#[derive(Clone, Copy)]
pub struct Live {
    pub portfolio: RwSignal<Option<LivePortfolio>>,
    pub quotes: RwSignal<HashMap<String, LiveQuote>>,
    /// The stream is open and has sent its first event.
    pub on: RwSignal<bool>,
}

impl Live {
    /// A figure of one position from the latest `portfolio` event.
    pub fn position<T>(&self, symbol: &str, pick: impl Fn(&LivePosition) -> Option<T>) -> Option<T> {
        self.portfolio.with(|p| p.as_ref()?.positions.iter().find(|x| x.symbol == symbol).and_then(&pick))
    }
}

/// Makes the page's [`Live`] and, in the browser, opens the stream (closed when
/// the page goes). `symbols`: extra symbols to follow (the symbol page's own).
pub fn provide_live(symbols: Option<String>) -> Live {
    let live = Live { portfolio: RwSignal::new(None), quotes: RwSignal::new(HashMap::new()), on: RwSignal::new(false) };
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

type Pick = Box<dyn Fn(&Live) -> Option<String> + Send + Sync>;

/// [`live_text`]'s one body (not generic: one copy in the WASM).
fn shown_text(server: String, signed: bool, pick: Pick) -> AnyView {
    let live = use_context::<Live>();
    // The text and how many times it changed: the highlight's class flips between two
    // names so that its animation starts again on every change.
    let shown = Memo::new(move |previous: Option<&(String, u32)>| {
        let text = live.and_then(|l| pick(&l)).unwrap_or_else(|| server.clone());
        match previous {
            Some((old, changes)) if *old == text => (text, *changes),
            Some((_, changes)) => (text, changes + 1),
            None => (text, 0),
        }
    });
    let class = move || {
        shown.with(|(text, changes)| {
            let flash = match changes {
                0 => "",
                n if n % 2 == 1 => "live-flash-a",
                _ => "live-flash-b",
            };
            let tone = if !signed {
                ""
            } else if text.starts_with('+') {
                "text-emerald-700 dark:text-emerald-400"
            } else if text.starts_with(['-', '\u{2212}']) {
                "text-rose-700 dark:text-rose-400"
            } else {
                ""
            };
            format!("{tone} {flash}")
        })
    };
    view! { <span class=class>{move || shown.with(|(text, _)| text.clone())}</span> }.into_any()
}

/// "Live" beside the price badge while the stream is open.
#[component]
pub fn LiveDot() -> impl IntoView {
    let on = use_context::<Live>().map(|l| l.on);
    view! {
        <span
            class="ml-2 inline-flex items-center gap-1 text-xs font-medium text-emerald-700 dark:text-emerald-400"
            class:hidden=move || !on.is_some_and(|on| on.get())
            aria-live="polite"
        >
            <span aria-hidden="true" class="h-2 w-2 rounded-full bg-emerald-500"></span>
            "Streaming"
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Live;
    use crate::model::{LivePortfolio, LiveQuote};
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
            Some(symbols) => format!("/api/stream?symbols={}", String::from(js_sys::encode_uri_component(&symbols))),
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
                if let Some(quote) = read::<LiveQuote>(&event) {
                    heard();
                    live.quotes.update(|quotes| {
                        quotes.insert(quote.symbol.clone(), quote);
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
