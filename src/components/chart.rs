//! The one place that talks to ECharts. The server builds each chart's option with
//! `charming` (`server::dashboard::charts`) and sends it as JSON; this component draws it,
//! in the browser only, into a sized box that the server renders too.
//!
//! The server puts a text summary of the chart in the box, so a page without
//! JavaScript (or before hydration, or if ECharts failed to load) shows figures
//! instead of an empty frame; once the chart is drawn the summary stays for
//! screen readers only. The chart follows its option signal (`setOption` with
//! `notMerge`, so switching views drops the old series), resizes with the window
//! and is disposed with its component.
//!
//! ECharts itself is `public/echarts/echarts.folio.js`, a build with only the parts
//! used (see `scripts/echarts-entry.mjs`). The shell loads it before hydration on
//! the pages that draw charts (`draws_charts`), and links to those pages from the
//! others are full page loads (`rel="external"`), so it is there when they hydrate.
//! Its `folioOption` turns the server's formatter names ("folio:money") into
//! functions before an option is drawn.
//! charming's own WASM renderer is not used: it cannot dispose a chart or replace
//! an option, and charming's types would add 174 KB to the WASM.

use leptos::prelude::*;

/// Where the chart library is served.
pub const ECHARTS_SCRIPT: &str = "/echarts/echarts.folio.js";

/// Whether the page at `path` draws charts, so the shell loads the library up front.
pub fn draws_charts(path: &str) -> bool {
    path == "/" || path.starts_with("/symbol/")
}

/// A chart box: `option` (ECharts option JSON) is drawn when it is `Some`; the
/// children are the text shown without JavaScript.
#[component]
pub fn EChart(
    /// Accessible name of the drawing ("Cumulative return, 1Y").
    #[prop(into)]
    label: Signal<String>,
    #[prop(into)] option: Signal<Option<String>>,
    /// Height classes of the box (the chart fills it).
    height: &'static str,
    children: Children,
) -> impl IntoView {
    let host = NodeRef::<leptos::html::Div>::new();
    let drawn = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    browser::attach(host, option, drawn);
    #[cfg(not(feature = "hydrate"))]
    let _ = (option, &host);
    view! {
        <div class=format!("relative {height}") data-chart-drawn=move || if drawn.get() { "true" } else { "false" }>
            <div class=move || {
                if drawn.get() {
                    "sr-only"
                } else {
                    "absolute inset-0 flex flex-col justify-center gap-1 overflow-auto rounded-lg border border-dashed border-slate-300 p-4 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-300"
                }
            }>{children()}</div>
            <div node_ref=host role="img" aria-label=move || label.get() class="absolute inset-0"></div>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use send_wrapper::SendWrapper;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// One ECharts instance.
        type Instance;

        #[wasm_bindgen(catch, js_namespace = echarts, js_name = init)]
        fn init(element: &JsValue) -> Result<Instance, JsValue>;
        #[wasm_bindgen(catch, method, js_name = setOption)]
        fn set_option(this: &Instance, option: &JsValue, not_merge: bool) -> Result<(), JsValue>;
        #[wasm_bindgen(method)]
        fn resize(this: &Instance);
        #[wasm_bindgen(method)]
        fn dispose(this: &Instance);
        /// `scripts/echarts-entry.mjs`: formatter names → functions.
        #[wasm_bindgen(catch, js_name = folioOption)]
        fn folio_option(option: &JsValue) -> Result<JsValue, JsValue>;
    }

    fn echarts_loaded() -> bool {
        js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("echarts")).unwrap_or(false)
    }

    pub fn attach(host: NodeRef<leptos::html::Div>, option: Signal<Option<String>>, drawn: RwSignal<bool>) {
        // The instance lives outside the reactive arena so the cleanup can still
        // reach it while the component is being torn down.
        let slot = SendWrapper::new(Rc::new(RefCell::new(None::<Instance>)));
        let for_effect = slot.clone();
        Effect::new(move |_| {
            let (Some(element), Some(json)) = (host.get(), option.get()) else { return };
            if !echarts_loaded() {
                // The library did not load: the chart's text summary stays.
                return;
            }
            let Ok(parsed) = js_sys::JSON::parse(&json) else { return };
            let parsed = folio_option(&parsed).unwrap_or(parsed);
            let mut instance = for_effect.borrow_mut();
            if instance.is_none() {
                *instance = init(element.as_ref()).ok();
            }
            if let Some(chart) = instance.as_ref() {
                drawn.set(chart.set_option(&parsed, true).is_ok());
            }
        });
        let for_resize = slot.clone();
        let on_resize = window_event_listener(leptos::ev::resize, move |_| {
            if let Some(chart) = for_resize.borrow().as_ref() {
                chart.resize();
            }
        });
        on_cleanup(move || {
            on_resize.remove();
            if let Some(chart) = slot.borrow_mut().take() {
                chart.dispose();
            }
        });
    }
}
