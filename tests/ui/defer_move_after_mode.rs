use steadfast::defer;

fn main() {
    let id = 7;
    defer!(on_success move {
        println!("finished {id}");
    });
}
