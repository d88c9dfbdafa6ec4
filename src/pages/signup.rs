//! `/signup`: create an account, unless the server has sign-up turned off.

use crate::components::{AuthCard, CredentialsForm};
use crate::model::auth_error_message;
use crate::server_fns::get_auth_settings;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignupPage() -> impl IntoView {
    let query = use_query_map();
    let error = Signal::derive(move || query.read().get("error").map(|code| auth_error_message(&code)));
    let username = Signal::derive(move || query.read().get("username").unwrap_or_default());
    let settings = crate::wire::resource(|| (), |_| get_auth_settings());
    view! {
        <Title text="Create an account · Folio" />
        <AuthCard title="Create an account">
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let allowed = settings.await.map(|s| s.allow_signup).unwrap_or(false);
                    if allowed {
                        view! {
                            <CredentialsForm
                                action="/auth/signup"
                                submit_label="Create account"
                                password_autocomplete="new-password"
                                error
                                username
                                password_hint="At least 8 characters."
                            />
                        }
                            .into_any()
                    } else {
                        view! {
                            <p role="alert" class="text-sm text-slate-700 dark:text-slate-300">
                                "Sign-up is disabled on this server. Ask its administrator for an account."
                            </p>
                        }
                            .into_any()
                    }
                })}
            </Suspense>
            <p class="mt-5 text-sm text-slate-600 dark:text-slate-400">
                "Already have an account? "
                <a href="/login" class="font-medium text-emerald-700 underline-offset-2 hover:underline dark:text-emerald-400">
                    "Sign in"
                </a>
            </p>
        </AuthCard>
    }
}
