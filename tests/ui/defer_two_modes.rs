use steadfast::defer;

fn main() {
    defer!(on_success on_unwind {
        println!("left the scope");
    });
}
