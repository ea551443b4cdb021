// rustc rejects attributes on expressions (the two E0658 errors) but still expands
// `#[retry]`, which says where it goes and emits the closure unchanged, so `fetch()` below
// raises nothing more. A closure is retried through the runtime instead:
// `steadfast::Retry::new().run(|| ...)`.
use steadfast::retry;

fn main() {
    let fetch = #[retry(attempts = 3)]
    || Ok::<u32, String>(1);
    let _ = fetch();
}
