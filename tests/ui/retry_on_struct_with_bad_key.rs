// On an item that is not a function, the keys are checked too: both mistakes at once.
use steadfast::retry;

#[retry(atempts = 3)]
struct Client;

fn main() {}
