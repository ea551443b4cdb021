use steadfast::retry;

trait Fetch {
    #[retry(attempts = 3)]
    fn fetch(&self) -> Result<u32, String>;
}

fn main() {}
