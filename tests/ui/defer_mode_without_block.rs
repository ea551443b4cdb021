use steadfast::defer;

fn main() {
    defer!(on_success);
}
