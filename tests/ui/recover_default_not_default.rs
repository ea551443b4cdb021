use steadfast::recover;

struct Html(String);

#[recover(default)]
fn render(page: &str) -> Html {
    Html(format!("<p>{page}</p>"))
}

fn main() {
    let _ = render("hello").0;
}
