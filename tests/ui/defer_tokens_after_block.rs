use steadfast::defer;

fn a() {}
fn b() {}

fn main() {
    defer!(on_success { a(); } b(););
}
