use steadfast::defer;

fn main() {
    defer!(on_sucess {
        println!("done");
    });
}
