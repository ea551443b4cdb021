use steadfast::defer;

fn main() {
    defer!(on_panic {
        eprintln!("unwinding");
    });
}
