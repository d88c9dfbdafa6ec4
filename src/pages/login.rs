//! `/login`: the sign-in form. Errors come back from the form post as a code.

use crate::components::{AuthCard, CredentialsForm};
use crate::model::auth_error_message;
use crate::server_fns::get_auth_settings;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = Signal::derive(move || query.read().get("error").map(|code| auth_error_message(&code)));
    let username = Signal::derive(move || query.read().get("username").unwrap_or_default());
    let next = Signal::derive(move || query.read().get("next").unwrap_or_default());
    let settings = crate::wire::resource(|| (), |_| get_auth_settings());
    view! {
        <Title text="Sign in · Folio" />
        <AuthCard title="Sign in">
            <CredentialsForm
                action="/auth/login"
                submit_label="Sign in"
                password_autocomplete="current-password"
                error
                username
                next
            />
            <Suspense>
                {move || Suspend::new(async move {
                    let settings = settings.await.ok()?;
                    Some(view! {
                        <div class="mt-5 space-y-2 text-sm text-slate-600 dark:text-slate-400">
                            {settings.allow_signup.then(|| view! {
                                <p>
                                    "New to Folio? "
                                    <a href="/signup" class="font-medium text-emerald-700 underline-offset-2 hover:underline dark:text-emerald-400">
                                        "Create an account"
                                    </a>
                                </p>
                            })}
                            {settings.demo_hint.then(|| view! {
                                <p>"Just looking? Sign in as " <code>"demo"</code> " / " <code>"demo123"</code> "."</p>
                            })}
                        </div>
                    })
                })}
            </Suspense>
        </AuthCard>
    }
}
