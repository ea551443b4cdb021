use steadfast::retry;

// A sync retry sleeps on its thread (`steadfast::time`): it has no timer to pick.
#[retry(attempts = 3, timer = steadfast::timer::FuturesTimer)]
fn fetch() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = fetch();
}
